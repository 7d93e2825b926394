// The bench's one table: rows collected as measured (echoed to stderr as
// progress), printed as Markdown at the end.
import os from 'node:os';

interface TableRow {
  measure: string;
  value: string;
  goal: string;
  met: boolean | null;
}

const rows: TableRow[] = [];

export function addRow(measure: string, value: string, goal = '', met: boolean | null = null): void {
  rows.push({ measure, value, goal, met });
  console.error(`  ${measure}: ${value}`);
}

export const fmt = (n: number, digits = 1): string => n.toFixed(digits);

export function printTable(title: string): void {
  const mark = (m: boolean | null) => (m === null ? '' : m ? 'yes' : '**no**');
  console.log(`\n${title}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}\n`);
  console.log('| measure | value | goal | met |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.measure} | ${r.value} | ${r.goal} | ${mark(r.met)} |`);
}
