// The files that travel beside an exported model: the class order as plain
// text, the version's metrics, and a README whose code runs as written.
import type { ExportFormat } from '../../contract/types.js';
import type { HeadModel } from '../ml/head-format.js';
import { describePreprocessing, describeViews, INPUT_NAME, OUTPUT_NAME, type ExportMeta, type Preprocessing } from './export-meta.js';

/** The export formats that carry a model (the dataset export carries none). */
export type ModelFormat = Exclude<ExportFormat, 'dataset'>;

/** The ONNX package's model file; the TF.js package uses TF.js's own model.json and shard names. */
export const ONNX_MODEL_FILE = 'model.onnx';

/**
 * One label per line. Characters any common line splitter (Python's
 * splitlines included) would break on become spaces, so line i is always
 * output i; metadata keeps the exact names.
 */
export function labelsText(classes: readonly string[]): string {
  return classes.map((c) => c.replace(/[\p{Cc}\u2028\u2029]/gu, ' ')).join('\n') + '\n';
}

function pythonOnnxExample(p: Preprocessing): string {
  return `\`\`\`python
# pip install onnxruntime pillow numpy
import sys
import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

SIZE = ${p.imageSize}
labels = open("labels.txt", encoding="utf-8").read().splitlines()
session = ort.InferenceSession("${ONNX_MODEL_FILE}")

def preprocess(path):
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    scale = SIZE / min(img.size)
    w, h = max(SIZE, round(img.width * scale)), max(SIZE, round(img.height * scale))
    img = img.resize((w, h), Image.LANCZOS)
    left, top = (w - SIZE + 1) // 2, (h - SIZE + 1) // 2  # as Pancake: an odd margin loses its extra pixel on the left/top
    img = img.crop((left, top, left + SIZE, top + SIZE))
    x = np.asarray(img, dtype=np.float32) / ${p.divisor} ${p.offset < 0 ? '-' : '+'} ${Math.abs(p.offset).toFixed(1)}
    return x[np.newaxis]  # NHWC [1, SIZE, SIZE, 3]

probs = session.run(["${OUTPUT_NAME}"], {"${INPUT_NAME}": preprocess(sys.argv[1])})[0][0]
for i in np.argsort(-probs)[:3]:
    print(f"{labels[i]}: {probs[i]:.4f}")
\`\`\``;
}

/** sharp's "cover" resize is exactly "shorter side to SIZE, then centre crop". */
function sharpPreprocess(p: Preprocessing): string {
  return `async function pixels(path) {
  const data = await sharp(path)
    .rotate() // apply the EXIF orientation
    .resize(SIZE, SIZE, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  return Float32Array.from(data, (v) => v / ${p.divisor} ${p.offset < 0 ? '-' : '+'} ${Math.abs(p.offset)}); // NHWC [1, SIZE, SIZE, 3]
}`;
}

const PRINT_TOP3 = `const ranked = [...probs].map((p, i) => [labels[i], p]).sort((a, b) => b[1] - a[1]);
for (const [label, p] of ranked.slice(0, 3)) console.log(\`\${label}: \${p.toFixed(4)}\`);`;

function nodeOnnxExample(p: Preprocessing): string {
  return `\`\`\`js
// npm install onnxruntime-node sharp; save as classify.mjs; run: node classify.mjs photo.jpg
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

const SIZE = ${p.imageSize};
const labels = fs.readFileSync('labels.txt', 'utf8').split('\\n').slice(0, -1);
const session = await ort.InferenceSession.create('${ONNX_MODEL_FILE}');

${sharpPreprocess(p)}

const input = new ort.Tensor('float32', await pixels(process.argv[2]), [1, SIZE, SIZE, 3]);
const probs = (await session.run({ ${INPUT_NAME}: input })).${OUTPUT_NAME}.data;
${PRINT_TOP3}
\`\`\``;
}

function nodeTfjsExample(p: Preprocessing): string {
  return `\`\`\`js
// npm install @tensorflow/tfjs sharp; save as classify.mjs; run: node classify.mjs photo.jpg
// (pure-JS TF.js takes seconds per image; with @tensorflow/tfjs-node, tf.loadLayersModel('file://model.json') is faster)
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';

const SIZE = ${p.imageSize};
const labels = fs.readFileSync('labels.txt', 'utf8').split('\\n').slice(0, -1);
const modelJson = JSON.parse(fs.readFileSync('model.json', 'utf8'));
const weights = Buffer.concat(modelJson.weightsManifest.flatMap((g) => g.paths).map((f) => fs.readFileSync(f)));
const model = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }),
);

${sharpPreprocess(p)}

const probs = await model.predict(tf.tensor4d(await pixels(process.argv[2]), [1, SIZE, SIZE, 3])).data();
${PRINT_TOP3}
\`\`\``;
}

function browserTfjsExample(p: Preprocessing): string {
  return `\`\`\`js
// In a web page, with model.json, its .bin files and metadata.json served from the same folder.
import * as tf from '@tensorflow/tfjs';

const SIZE = ${p.imageSize};
const model = await tf.loadLayersModel('model.json');
const { labels } = await (await fetch('metadata.json')).json();

// img: a loaded <img>; browsers apply the EXIF orientation themselves.
function classify(img) {
  const side = Math.min(img.naturalWidth, img.naturalHeight);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  // The centred square, scaled to SIZE: the same as shorter side to SIZE, then a centre crop.
  ctx.drawImage(img, (img.naturalWidth - side) / 2, (img.naturalHeight - side) / 2, side, side, 0, 0, SIZE, SIZE);
  const probs = tf.tidy(() =>
    model.predict(tf.browser.fromPixels(canvas).toFloat().div(${p.divisor}).${p.offset < 0 ? 'sub' : 'add'}(${Math.abs(p.offset)}).expandDims(0)).dataSync(),
  );
  return [...probs].map((p, i) => [labels[i], p]).sort((a, b) => b[1] - a[1]);
}
\`\`\`
The browser resamples with its own filter rather than Lanczos3, so probabilities can differ slightly from Pancake's.`;
}

function inside(head: HeadModel, meta: ExportMeta): string {
  const steps = `${head.l2normalize ? 'L2 normalisation, ' : ''}${head.hidden ? `a ${head.hidden.outputSize}-unit ReLU layer, ` : ''}a dense layer and softmax`;
  const once = `${head.backbone} backbone, then the trained head (${steps})`;
  return meta.tta
    ? `${once}, run on the image and on its left-right mirror image; the output is the mean of the two softmax outputs, ` +
        "as Pancake's own predictions are. The model makes the mirror image itself, so feed each image once, unmirrored; it costs two backbone passes."
    : `${once}.`;
}

function readme(format: ModelFormat, head: HeadModel, meta: ExportMeta): string {
  const p = meta.preprocessing;
  const s = p.imageSize;
  const files =
    format === 'onnx'
      ? `- \`${ONNX_MODEL_FILE}\`: the whole model (backbone + trained head), ONNX; class names and preprocessing are also in its metadata.`
      : '- `model.json` + `group1-shard*.bin`: the whole model (backbone + trained head), a TF.js layers model (tested with @tensorflow/tfjs 4.22).\n' +
        '- `metadata.json`: class names (`labels`), image size and preprocessing.';
  const examples =
    format === 'onnx'
      ? `### Python\n\n${pythonOnnxExample(p)}\n\n### JavaScript (Node.js)\n\n${nodeOnnxExample(p)}`
      : `### JavaScript (browser)\n\n${browserTfjsExample(p)}\n\n### JavaScript (Node.js)\n\n${nodeTfjsExample(p)}`;
  return `# ${meta.versionName}

An image classifier exported from Pancake ${meta.appVersion} (model version ${meta.versionId}, trained ${new Date(meta.createdAt).toISOString()}).
It sorts images into ${head.classes.length} classes: ${head.classes.map((c) => `\`${c}\``).join(', ')}.

## Files

${files}
- \`labels.txt\`: the class names, one per line, in output order.
- \`metrics.json\`: how this version scored when it was trained.

## Input and output

- Input \`${INPUT_NAME}\`: float32 \`[N, ${s}, ${s}, 3]\` (NHWC, RGB).
- Output \`${OUTPUT_NAME}\`: float32 \`[N, ${head.classes.length}]\`, ${describeViews(meta)}; column i is line i of \`labels.txt\`.
- Preprocessing: ${describePreprocessing(p)}
- Inside: ${inside(head, meta)}

## Usage

${examples}
`;
}

/** labels.txt, README.md and metrics.json for one export. */
export function packageFiles(format: ModelFormat, head: HeadModel, meta: ExportMeta, metrics: unknown): Map<string, Uint8Array> {
  const encoder = new TextEncoder();
  const metricsJson = {
    name: meta.versionName,
    versionId: meta.versionId,
    createdAt: new Date(meta.createdAt).toISOString(),
    backbone: meta.backbone,
    labels: head.classes,
    metrics,
  };
  return new Map([
    ['labels.txt', encoder.encode(labelsText(head.classes))],
    ['README.md', encoder.encode(readme(format, head, meta))],
    ['metrics.json', encoder.encode(JSON.stringify(metricsJson, null, 2) + '\n')],
  ]);
}
