// Runs @doyensec/electronegativity over one folder and writes its findings
// as JSON to a file (it prints notes of its own on stdout), in a process of
// its own so the test can run it without network.
import fs from 'node:fs';
import { createRequire } from 'node:module';

interface Finding {
  id: string;
  file: string;
  location: { line: number; column: number };
  sample?: string;
  description: string;
}
type Run = (options: Record<string, unknown>) => Promise<{ issues: Finding[]; errors: { file: string; message: string; tolerable: boolean }[] }>;

const run = createRequire(import.meta.url)('@doyensec/electronegativity') as Run;
const [input, output, ...excluded] = process.argv.slice(2);
const res = await run({ input, isRelative: true, excludeFromScan: excluded });
fs.writeFileSync(
  output!,
  JSON.stringify({
    errors: res.errors,
    findings: res.issues.map((i) => ({ check: i.id, file: i.file, line: i.location.line, sample: i.sample ?? '', description: i.description })),
  }),
);
