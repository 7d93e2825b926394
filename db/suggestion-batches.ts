// Accepted suggestions are label batches of kind 'suggestion' in the undo
// history. Any one group can be taken back later, even with other steps
// on top of it: only images whose label still comes from that group are
// reverted, and the revert is itself one undoable step, so the linear undo
// history stays true.
import type { LabelSource, SuggestionBatch } from '../contract/types.js';
import { connectionOf } from './connection.js';
import { StoreError, type ProjectStore } from './project-store.js';

export const SUGGESTION_KIND = 'suggestion';
const REVERT_KIND = 'suggestion-revert';

interface BatchRow {
  id: number;
  kind: string;
  description: string;
  created_at: number;
  undone: number;
}

interface ChangeRow {
  image_id: number;
  before_class: number | null;
  before_source: LabelSource | null;
  after_class: number | null;
  after_source: LabelSource | null;
  class_id: number | null;
  label_source: LabelSource | null;
}

function changesOf(store: ProjectStore, batchId: number): ChangeRow[] {
  return connectionOf(store)
    .prepare(
      `SELECT c.image_id, c.before_class, c.before_source, c.after_class, c.after_source, i.class_id, i.label_source
       FROM label_changes c JOIN images i ON i.id = c.image_id WHERE c.batch_id = ? AND i.deleted_batch IS NULL`,
    )
    .all(batchId) as ChangeRow[];
}

/** Images a later, not undone step changed: their label no longer comes from an earlier batch. */
function touchedAfter(store: ProjectStore, batchId: number): Set<number> {
  const ids = connectionOf(store)
    .prepare(
      `SELECT DISTINCT c.image_id FROM label_changes c JOIN label_batches b ON b.id = c.batch_id
       WHERE c.batch_id > ? AND b.undone = 0`,
    )
    .pluck()
    .all(batchId) as number[];
  return new Set(ids);
}

const labels = (n: number) => `${n} suggested label${n === 1 ? '' : 's'}`;

const carries = (r: ChangeRow, later: ReadonlySet<number>) =>
  !later.has(r.image_id) && r.class_id === r.after_class && r.label_source === r.after_source;

/** Only still-unlabelled images take a suggestion: a label someone gave meanwhile wins. */
export function acceptSuggestions(
  store: ProjectStore,
  items: readonly { imageId: number; classId: number }[],
): { changed: number; batchId: number | null } {
  return store.transaction(() => {
    const isUnlabelled = connectionOf(store).prepare('SELECT class_id IS NULL FROM images WHERE id = ? AND deleted_batch IS NULL').pluck();
    const open = items.filter((i) => isUnlabelled.get(i.imageId) === 1);
    const names = new Map(store.classes().map((c) => [c.id, c.name]));
    const perClass = new Map<number, number>();
    for (const i of open) perClass.set(i.classId, (perClass.get(i.classId) ?? 0) + 1);
    const breakdown = [...perClass].map(([id, n]) => `${n} ${names.get(id) ?? '?'}`).join(', ');
    return store.applyLabels(
      SUGGESTION_KIND,
      `accept ${labels(open.length)} (${breakdown})`,
      open.map((i) => ({ imageId: i.imageId, classId: i.classId, source: 'suggestion' as const })),
    );
  });
}

/** Every accepted group, newest first, with how much of it still stands. */
export function suggestionBatches(store: ProjectStore): SuggestionBatch[] {
  const batches = connectionOf(store).prepare('SELECT id, kind, description, created_at, undone FROM label_batches ORDER BY id DESC').all() as BatchRow[];
  const later = new Set<number>();
  const out: SuggestionBatch[] = [];
  for (const b of batches) {
    const rows = b.kind === SUGGESTION_KIND || b.undone === 0 ? changesOf(store, b.id) : [];
    if (b.kind === SUGGESTION_KIND) {
      out.push({
        id: b.id,
        description: b.description,
        createdAt: b.created_at,
        images: rows.length,
        stillApplied: b.undone ? 0 : rows.filter((r) => carries(r, later)).length,
        undone: b.undone === 1,
      });
    }
    if (b.undone === 0) for (const r of rows) later.add(r.image_id);
  }
  return out;
}

export function undoSuggestionBatch(store: ProjectStore, batchId: number): { reverted: number; kept: number } {
  return store.transaction(() => {
    const b = connectionOf(store).prepare('SELECT id, kind, description, created_at, undone FROM label_batches WHERE id = ?').get(batchId) as
      | BatchRow
      | undefined;
    if (!b || b.kind !== SUGGESTION_KIND) throw new StoreError('That group of suggestions is no longer in the history.');
    if (b.undone) throw new StoreError('That group of suggestions has already been undone.');
    const rows = changesOf(store, batchId);
    const later = touchedAfter(store, batchId);
    const still = rows.filter((r) => carries(r, later));
    if (still.length === 0) return { reverted: 0, kept: rows.length };
    const res = store.applyLabels(
      REVERT_KIND,
      `take back ${labels(still.length)}`,
      still.map((r) => ({ imageId: r.image_id, classId: r.before_class, source: r.before_source })),
    );
    return { reverted: res.changed, kept: rows.length - res.changed };
  });
}
