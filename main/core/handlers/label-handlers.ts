import type { PancakeCore, Handlers } from '../core.js';

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
  | 'undo'
  | 'redo';

export function labelHandlers(core: PancakeCore): Pick<Handlers, LabelMethods> {
  const changed = (what: 'images' | 'classes' | 'labels') => core.events.emit({ type: 'project-changed', what });
  return {
    listImages: () => ({ images: core.store.listImages() }),
    imagesDelete: ({ imageIds }) => {
      const deleted = core.store.deleteImages(imageIds);
      changed('images');
      return { deleted };
    },
    imagesSetSplit: ({ imageIds, split }) => {
      const n = core.store.setSplit(imageIds, split);
      changed('images');
      return { changed: n };
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
      changed('labels');
      return { changed: res.changed };
    },
    undo: () => {
      const res = core.store.undo();
      changed('labels');
      return res;
    },
    redo: () => {
      const res = core.store.redo();
      changed('labels');
      return res;
    },
  };
}
