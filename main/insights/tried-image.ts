// Adds an image that was tried on the model to the project: decoded the way
// an import decodes, deduplicated by content, labelled as a person's choice
// (one undoable step), and placed in no split, which trains like 'train'.
import crypto from 'node:crypto';
import type { ProjectStore } from '../../db/project-store.js';
import { CoreError } from '../core/errors.js';
import { decodeImage } from '../import/decode.js';
import { MAX_FILE_BYTES, tooLargeReason } from '../import/read-file.js';
import { ImportSkipError } from '../import/skip-error.js';

export async function addTriedImage(store: ProjectStore, name: string, bytes: Uint8Array, classId: number): Promise<{ imageId: number }> {
  const fileName = name.split(/[\\/]/).pop() || 'image';
  const target = store.classes().find((c) => c.id === classId);
  if (!target) throw new CoreError('That class no longer exists. Pick another one.');
  if (bytes.length > MAX_FILE_BYTES) throw new CoreError(`${fileName} cannot be added: ${tooLargeReason(bytes.length)}.`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
  const existing = store.findBySha(sha256);
  if (existing) throw new CoreError(`${fileName} is already in the project, as ${existing.fileName}.`);
  let image;
  try {
    image = await decodeImage(buffer, fileName);
  } catch (err) {
    if (err instanceof ImportSkipError) throw new CoreError(`${fileName} cannot be added: ${err.reason}.`);
    throw err;
  }
  return store.transaction(() => {
    // Checked again: the same file may have been added while it decoded.
    if (store.findBySha(sha256)) throw new CoreError(`${fileName} is already in the project.`);
    const [imageId] = store.insertImages([
      {
        sha256,
        fileName,
        sourcePath: name,
        width: image.width,
        height: image.height,
        format: image.format,
        byteSize: bytes.length,
        split: 'none',
        classId: null,
        importId: null,
        normalized: image.normalized,
        normalizedWidth: image.normalizedWidth,
        normalizedHeight: image.normalizedHeight,
        thumbnail: image.thumbnail,
        original: buffer,
      },
    ]);
    store.applyLabels('user', `add ${fileName} to ${target.name}`, [{ imageId: imageId!, classId, source: 'user' }]);
    return { imageId: imageId! };
  });
}
