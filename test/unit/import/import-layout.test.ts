import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIgnoredName, placementOf, type Placement } from '../../../main/import/layout.js';

const cases: [relPath: string, expected: Placement | null][] = [
  // A folder of class folders.
  ['pets/cats/a.jpg', { split: 'none', className: 'cats' }],
  ['pets/dogs/b.png', { split: 'none', className: 'dogs' }],
  // Deeper folders stay in their class.
  ['pets/cats/2019/summer/c.jpg', { split: 'none', className: 'cats' }],
  // Loose files: in the dropped folder itself, or dropped alone.
  ['pets/loose.jpg', { split: 'none', className: null }],
  ['single.jpg', { split: 'none', className: null }],
  // root/<split>/<class>, with every spelling of the splits, in any case.
  ['hymenoptera/train/ants/x.jpg', { split: 'train', className: 'ants' }],
  ['hymenoptera/Training/ants/x.jpg', { split: 'train', className: 'ants' }],
  ['hymenoptera/val/bees/y.jpg', { split: 'validation', className: 'bees' }],
  ['hymenoptera/VALID/bees/y.jpg', { split: 'validation', className: 'bees' }],
  ['hymenoptera/validation/bees/y.jpg', { split: 'validation', className: 'bees' }],
  ['hymenoptera/dev/bees/y.jpg', { split: 'validation', className: 'bees' }],
  ['hymenoptera/test/bees/y.jpg', { split: 'test', className: 'bees' }],
  ['hymenoptera/Testing/bees/y.jpg', { split: 'test', className: 'bees' }],
  ['hymenoptera/train/ants/nest/deep/x.jpg', { split: 'train', className: 'ants' }],
  // The split folder itself was dropped.
  ['train/ants/x.jpg', { split: 'train', className: 'ants' }],
  ['Val/bees/y.jpg', { split: 'validation', className: 'bees' }],
  // Images directly in a split folder have a split but no class.
  ['hymenoptera/train/x.jpg', { split: 'train', className: null }],
  ['train/x.jpg', { split: 'train', className: null }],
  // The class is the first non-split folder below the root.
  ['data/train/val/ants/x.jpg', { split: 'train', className: 'ants' }],
  // A split name below a class is an ordinary subfolder of that class.
  ['pets/cats/test/x.jpg', { split: 'none', className: 'cats' }],
  // Words that merely contain a split name are classes.
  ['pets/trains/x.jpg', { split: 'none', className: 'trains' }],
  // Class names are tidied the way the store wants them.
  ['pets/  big   cats /x.jpg', { split: 'none', className: 'big cats' }],
  ['pets/' + 'n'.repeat(150) + '/x.jpg', { split: 'none', className: 'n'.repeat(100) }],
  // Cut between whole characters: not inside a surrogate pair, nor between a letter and its accent.
  ['pets/' + 'n'.repeat(99) + '\u{1F41D}bees/x.jpg', { split: 'none', className: 'n'.repeat(99) }],
  ['pets/' + 'n'.repeat(99) + 'e\u0301/x.jpg', { split: 'none', className: 'n'.repeat(99) }],
  // One character longer than the limit on its own is cut between code points rather than lost.
  ['pets/e' + '\u0301'.repeat(120) + '/x.jpg', { split: 'none', className: 'e' + '\u0301'.repeat(99) }],
  // A hidden folder the user dropped on purpose is imported.
  ['.photos/cats/a.jpg', { split: 'none', className: 'cats' }],
  // What the user named is taken as named, even if hidden or junk by its name.
  ['.hidden.jpg', { split: 'none', className: null }],
  ['.DS_Store', { split: 'none', className: null }],
  ['__MACOSX/cats/a.jpg', { split: 'none', className: 'cats' }],
  // Hidden files and folders and OS junk below it are left out silently.
  ['pets/.DS_Store', null],
  ['pets/cats/._a.jpg', null],
  ['pets/.thumbnails/cats/a.jpg', null],
  ['pets/cats/.cache/a.jpg', null],
  ['pets/__MACOSX/cats/a.jpg', null],
  ['pets/cats/Thumbs.db', null],
  ['pets/cats/desktop.ini', null],
  ['pets/cats/DESKTOP.INI', null],
  ['pets/$RECYCLE.BIN/a.jpg', null],
];

test('placementOf reads split and class from the dropped path', () => {
  for (const [relPath, expected] of cases) {
    assert.deepEqual(placementOf(relPath), expected, relPath);
  }
});

test('isIgnoredName matches hidden entries and OS junk only', () => {
  for (const name of ['.DS_Store', '.git', '._x.jpg', '__MACOSX', 'Thumbs.db', 'thumbs.db', 'desktop.ini']) {
    assert.equal(isIgnoredName(name), true, name);
  }
  for (const name of ['cats', 'x.jpg', 'Thumbs.db.jpg', 'a.DS_Store', 'train']) {
    assert.equal(isIgnoredName(name), false, name);
  }
});
