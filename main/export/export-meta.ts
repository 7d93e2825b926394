// What an exported model says about itself, written into the ONNX
// metadata_props and the TF.js metadata.json, so a file that travels alone
// still tells its user the class order and how to feed it.
import type { HeadModel } from '../ml/head-format.js';

/** The backbone's input contract: value = pixel / divisor + offset, RGB, NHWC, imageSize square. */
export interface Preprocessing {
  imageSize: number;
  divisor: number;
  offset: number;
}

export interface ExportMeta {
  versionId: number;
  versionName: string;
  backbone: string;
  /** Milliseconds since the epoch, as stored with the model version. */
  createdAt: number;
  appVersion: string;
  preprocessing: Preprocessing;
  /**
   * The version predicts with test-time augmentation (versions.ts settings.tta):
   * the app averages the softmax over the image and its left-right mirror, so
   * the export must too or its answers differ from the app's.
   */
  tta: boolean;
}

/** Both exports share these tensor names, so one usage description fits both. */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';

export function pixelFormula(p: Preprocessing): string {
  const sign = p.offset < 0 ? '-' : '+';
  return `pixel / ${p.divisor} ${sign} ${Math.abs(p.offset)}`;
}

export function describePreprocessing(p: Preprocessing): string {
  const s = p.imageSize;
  return (
    `Apply the EXIF orientation, convert to RGB (drop alpha), resize so the shorter side is ${s} px (Lanczos3), ` +
    `centre-crop ${s}x${s}, then value = ${pixelFormula(p)}; float32 NHWC [N,${s},${s},3]. ` +
    'Pancake itself starts from a copy of each photo whose longest side is at most 512 px (JPEG, quality 90), so its answers on larger photos can differ slightly.'
  );
}

export function describeHead(head: HeadModel): string {
  const steps: string[] = [];
  if (head.l2normalize) steps.push('L2 normalisation');
  if (head.hidden) steps.push(`dense ${head.hidden.inputSize}->${head.hidden.outputSize} + ReLU`);
  steps.push(`dense ${head.output.inputSize}->${head.output.outputSize}`, 'softmax');
  return `${head.backbone} embedding (${head.inputDim}) -> ${steps.join(' -> ')}`;
}

/** What the output holds, in the words metadata and README share. */
export function describeViews(meta: ExportMeta): string {
  return meta.tta ? 'the mean of the softmax over the image and its left-right mirror image, as Pancake predicts' : 'softmax';
}

export interface ExportMetadata {
  name: string;
  versionId: number;
  createdAt: string;
  producer: string;
  backbone: string;
  head: string;
  labels: string[];
  imageSize: number;
  preprocessing: string;
  testTimeAugmentation: string;
  input: string;
  output: string;
}

export function exportMetadata(head: HeadModel, meta: ExportMeta): ExportMetadata {
  const s = meta.preprocessing.imageSize;
  return {
    name: meta.versionName,
    versionId: meta.versionId,
    createdAt: new Date(meta.createdAt).toISOString(),
    producer: `Pancake ${meta.appVersion}`,
    backbone: meta.backbone,
    head: describeHead(head),
    labels: [...head.classes],
    imageSize: s,
    preprocessing: describePreprocessing(meta.preprocessing),
    testTimeAugmentation: meta.tta ? 'mirror: the model mirrors each image itself and averages the softmax over both; feed images unmirrored' : 'none',
    input: `${INPUT_NAME}: float32 [N,${s},${s},3], NHWC, RGB`,
    output: `${OUTPUT_NAME}: float32 [N,${head.classes.length}], ${describeViews(meta)}; index i is labels[i]`,
  };
}
