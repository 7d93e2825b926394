// A photo added to the project from Try it is embedded on arrival, as an
// import's images are: its plain and mirror vectors are in the project when
// the call returns, made by the project's own embedder from one decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import { projectBackbone } from '../../../main/ml/backbones.js';
import { getEmbeddings } from '../../../db/ml-queries.js';
import { PREDICTION_VIEWS } from '../../../main/ml/views.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

test('an image added from Try it has its plain and mirror vectors when the call returns', async () => {
  const root = tempDir();
  await makeImageTree(root, { reds: 3, blues: 3 });
  const [tried] = await makeImageTree(tempDir(), { greens: 1 });
  const core = new PancakeCore({ stateDir: tempDir(), host: 'cli' });
  try {
    await core.api.projectCreate({ path: path.join(tempDir(), 'tried.pancake') });
    await core.api.importPaths({ jobId: 'import', paths: [path.join(root, 'reds'), path.join(root, 'blues')] });
    const backbone = projectBackbone(core.store);
    const embedder = await core.embedders.get(backbone);
    const decodes = embedder.decodes;
    const classId = core.store.classes()[0]!.id;

    const { imageId } = await core.api.addTriedImage({ name: path.basename(tried!), bytes: new Uint8Array(fs.readFileSync(tried!)), classId });
    const vectors = getEmbeddings(core.store, backbone, [imageId], PREDICTION_VIEWS);
    assert.deepEqual(vectors.map((v) => v.view).sort(), [...PREDICTION_VIEWS].sort());
    assert.ok(vectors.every((v) => v.vector.length === embedder.backbone.dim && v.vector.some((x) => x !== 0)));
    assert.equal(embedder.decodes - decodes, 1, 'one decode of its stored copy for both views');
  } finally {
    core.shutdown();
  }
});
