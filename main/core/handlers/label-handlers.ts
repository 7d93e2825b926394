import type { CoreServices, Handlers } from '../core-services.js';
import type { ImagesDelta } from '../../../contract/types.js';
import type { UndoStep } from '../../../db/project-store.js';
import { SUGGESTION_KIND } from '../../../db/suggestion-batches.js';

type LabelMethods =
  | 'listImages'
  | 'imagesDelete'
  | 'imagesSetSplit'
  | 'classCreate'
  | 'classUpdate'
  | 'classDelete'
  | 'classMerge'
  | 'classReorder'
  | 'labelSet'
  | 'liveAccept'
  | 'liveModelGet'
  | 'undo'
  | 'redo';

export function labelHandlers(core: CoreServices): Pick<Handlers, LabelMethods> {
  const changed = (what: 'images' | 'classes' | 'labels') => core.events.emit({ type: 'project-changed', what });
  let seq = 0;
  /** The touched rows and the counts, so no view reloads the whole list for one change. */
  const delta = (what: 'images' | 'labels', imageIds: readonly number[]): ImagesDelta => {
    const rows = core.store.imageRows(imageIds);
    const present = new Set(rows.map((r) => r.id));
    const out = { rows, removed: [...new Set(imageIds)].filter((id) => !present.has(id)), info: core.store.info(), seq: ++seq };
    core.events.emit({ type: 'project-changed', what, seq: out.seq });
    return out;
  };
  const stepResult = (step: UndoStep) => ({ ...step, delta: delta(step.kind === 'delete' ? 'images' : 'labels', step.imageIds) });
  return {
    listImages: () => ({ images: core.store.listImages() }),
    imagesDelete: ({ imageIds }) => {
      const { deleted } = core.store.deleteImages(imageIds);
      return { deleted, delta: delta('images', imageIds) };
    },
    imagesSetSplit: ({ imageIds, split }) => {
      const n = core.store.setSplit(imageIds, split);
      return { changed: n, delta: delta('images', imageIds) };
    },
    classCreate: ({ name, color }) => {
      const id = core.store.createClass(name, color);
      changed('classes');
      return { id };
    },
    classUpdate: ({ id, name, color }) => {
      core.store.updateClass(id, { ...(name !== undefined ? { name } : {}), ...(color !== undefined ? { color } : {}) });
      changed('classes');
      return null;
    },
    classDelete: ({ id }) => {
      const unlabelled = core.store.deleteClass(id);
      changed('classes');
      return { unlabelled };
    },
    classMerge: ({ from, into }) => {
      const moved = core.store.mergeClasses(from, into);
      changed('classes');
      return { moved };
    },
    classReorder: ({ ids }) => {
      core.store.reorderClasses(ids);
      changed('classes');
      return null;
    },
    labelSet: ({ imageIds, classId }) => {
      const store = core.store;
      const target = classId === null ? 'Unlabelled' : store.classes().find((c) => c.id === classId)?.name ?? '?';
      const noun = imageIds.length === 1 ? 'image' : 'images';
      const res = store.applyLabels(
        'user',
        `move ${imageIds.length} ${noun} to ${target}`,
        imageIds.map((imageId) => ({ imageId, classId, source: 'user' as const })),
      );
      return { changed: res.changed, delta: delta('labels', imageIds) };
    },
    liveAccept: ({ imageIds }) => {
      const store = core.writableStore;
      const unlabelled = new Set(store.imageRows(imageIds).filter((r) => r.classId === null).map((r) => r.id));
      const changes = imageIds.flatMap((imageId) => {
        const classId = unlabelled.has(imageId) ? core.live.guessFor(imageId) : null;
        return classId === null ? [] : [{ imageId, classId, source: 'suggestion' as const }];
      });
      const noun = changes.length === 1 ? 'image' : 'images';
      const res = store.applyLabels(SUGGESTION_KIND, `accept the live model's guess for ${changes.length} ${noun}`, changes);
      return { changed: res.changed, delta: delta('labels', imageIds) };
    },
    liveModelGet: () => ({ status: core.live.status(), guesses: core.live.guessesNow() }),
    undo: () => stepResult(core.store.undo()),
    redo: () => stepResult(core.store.redo()),
  };
}
