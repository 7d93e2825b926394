// The frozen ImageNet backbones Pancake can embed with, and where their
// weights are found. Weights are never part of the app's source: they live
// in a models folder chosen by setting, environment, packaged resources, the
// shared folder beside a development checkout, or the user's models folder
// that `pancake models fetch` fills.
import { UserError } from '../../contract/errors.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectStore } from '../../db/project-store.js';
import { MODEL_MANIFEST } from '../models/manifest.js';
import { userModelsDir } from '../models/user-models-dir.js';

export interface BackboneSpec {
  id: string;
  label: string;
  description: string;
  /** Length of the embedding vector. */
  dim: number;
  /** ONNX file, relative to the models folder. */
  onnxFile: string;
  /** sha256 of the staged ONNX file in ../shared/models; the converter's own output is also accepted (see acceptedSha256). */
  sha256: string;
  inputName: string;
  outputName: string;
  /** Square input side in pixels; the input is NHWC float32 RGB. */
  inputSize: number;
  /** How a pixel (0..255) becomes an input value: pixel / divisor + offset. */
  scale: { divisor: number; offset: number };
}

export const BACKBONES: readonly BackboneSpec[] = [
  {
    id: 'mobilenet_v2_1.0_224',
    label: 'MobileNetV2 (recommended)',
    description: 'Best accuracy of the two; about 5–10 ms per image on a laptop CPU.',
    dim: 1280,
    onnxFile: 'mobilenet_v2_1.0_224/onnx/mobilenet_v2_1.0_224.onnx',
    sha256: '49090c07ea626161809e8a8b0b053c4fb73c4bef7b3c71ac047ef38755ad6421',
    inputName: 'input',
    outputName: 'embedding',
    inputSize: 224,
    // Both were trained on [-1, 1] inputs (their SOURCE.md).
    scale: { divisor: 127.5, offset: -1 },
  },
  {
    id: 'mobilenet_v3_small_1.0_224',
    label: 'MobileNetV3-Small (fast)',
    description: 'About twice as fast, a little less accurate.',
    dim: 1024,
    onnxFile: 'mobilenet_v3_small_1.0_224/onnx/mobilenet_v3_small_1.0_224.onnx',
    sha256: '123b2e35eba07b1d32e50511f4a61985d19d990f67f7349f467faec2505dbcd6',
    inputName: 'input',
    outputName: 'embedding',
    inputSize: 224,
    scale: { divisor: 127.5, offset: -1 },
  },
];

export const DEFAULT_BACKBONE = 'mobilenet_v2_1.0_224';

const PROJECT_BACKBONE_KEY = 'backbone';

/** The backbone a project embeds and trains with: the one its last Train or setting chose, else the default. */
export function projectBackbone(store: ProjectStore): string {
  return store.getMeta(PROJECT_BACKBONE_KEY) ?? DEFAULT_BACKBONE;
}

export function setProjectBackbone(store: ProjectStore, id: string): void {
  store.setMeta(PROJECT_BACKBONE_KEY, id);
}

export class BackboneError extends UserError {
  constructor(message: string) {
    super('BackboneError', message);
  }
}

export function getBackbone(id: string = DEFAULT_BACKBONE): BackboneSpec {
  const spec = BACKBONES.find((b) => b.id === id);
  if (!spec) {
    throw new BackboneError(`Unknown backbone "${id}". Known backbones: ${BACKBONES.map((b) => b.id).join(', ')}.`);
  }
  return spec;
}

export interface ModelsLocation {
  /** The user's "models folder" setting, if any. */
  modelsDir?: string | null;
  /** A packaged app's resources folder (Electron's process.resourcesPath); its `models` subfolder is searched. */
  resourcesPath?: string | null;
  /** Also search ../shared/models beside the checkout (default true; a packaged app has no checkout). */
  checkoutFallback?: boolean;
}

/** Tests set PANCAKE_NO_CHECKOUT_MODELS=1 to see the app as a user without ../shared would. */
function checkoutModelsAllowed(loc: ModelsLocation): boolean {
  return loc.checkoutFallback !== false && process.env.PANCAKE_NO_CHECKOUT_MODELS !== '1';
}

/** The folder holding package.json above this compiled file: the checkout (or the packaged app). */
export function findRepoRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Every folder searched for weights, in order of preference. */
export function modelsDirCandidates(loc: ModelsLocation = {}): string[] {
  const out: string[] = [];
  if (loc.modelsDir) out.push(path.resolve(loc.modelsDir));
  const env = process.env.PANCAKE_MODELS_DIR;
  if (env) out.push(path.resolve(env));
  if (loc.resourcesPath) out.push(path.resolve(loc.resourcesPath, 'models'));
  const root = checkoutModelsAllowed(loc) ? findRepoRoot() : null;
  if (root) out.push(path.resolve(root, '..', 'shared', 'models'));
  out.push(path.resolve(userModelsDir()));
  return [...new Set(out)];
}

/** Checksums of a good ONNX file: the staged copy's and the one the in-repository converter writes. */
export function acceptedSha256(spec: BackboneSpec): string[] {
  const converted = MODEL_MANIFEST.find((m) => m.id === spec.id)?.converted.find((c) => c.path === spec.onnxFile)?.sha256;
  return converted && converted !== spec.sha256 ? [spec.sha256, converted] : [spec.sha256];
}

export interface ResolvedBackbone {
  spec: BackboneSpec;
  /** Absolute path of the ONNX weights. */
  file: string;
  modelsDir: string;
  /** Every folder that was searched, for messages. */
  searched: string[];
}

export const FETCH_HINT = 'Download them with the Download button in the Train view, or run `pancake models fetch`.';

/** Finds the weights of a backbone; the error names the file and every folder looked in. */
export function resolveBackbone(id: string = DEFAULT_BACKBONE, loc: ModelsLocation = {}): ResolvedBackbone {
  const spec = getBackbone(id);
  const candidates = modelsDirCandidates(loc);
  for (const dir of candidates) {
    const file = path.join(dir, spec.onnxFile);
    if (fs.existsSync(file)) return { spec, file, modelsDir: dir, searched: candidates };
  }
  throw new BackboneError(
    `The weights of ${spec.label} are missing: ${spec.onnxFile} was not found in any models folder. ` +
      `Looked in: ${candidates.join('; ')}. ${FETCH_HINT}`,
  );
}

export function damagedWeightsMessage(resolved: ResolvedBackbone, reason: string): string {
  return (
    `The weights file ${resolved.file} of ${resolved.spec.label} is damaged (${reason}). ` +
    `Delete it and download a good copy with the Download button in the Train view or \`pancake models fetch\`. ` +
    `Folders searched: ${resolved.searched.join('; ')}.`
  );
}

export type BackboneStatus = 'ready' | 'missing' | 'damaged';

export interface BackboneState {
  spec: BackboneSpec;
  status: BackboneStatus;
  /** The models folder the weights were found in; null when missing. */
  modelsDir: string | null;
  /** Null when ready; else one sentence saying what is wrong and what to do. */
  problem: string | null;
  searched: string[];
}

/** Hashing 14 MB on every listing would be wasteful; a file is rehashed only when its size or time changes. */
const digestCache = new Map<string, { key: string; digest: string }>();

function fileDigest(file: string): string {
  const st = fs.statSync(file);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = digestCache.get(file);
  if (hit?.key === key) return hit.digest;
  const digest = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  digestCache.set(file, { key, digest });
  return digest;
}

/** Whether a backbone's weights are usable where Pancake would load them from. */
export function backboneState(id: string, loc: ModelsLocation = {}): BackboneState {
  let resolved: ResolvedBackbone;
  try {
    resolved = resolveBackbone(id, loc);
  } catch (err) {
    if (!(err instanceof BackboneError)) throw err;
    return { spec: getBackbone(id), status: 'missing', modelsDir: null, problem: err.message, searched: modelsDirCandidates(loc) };
  }
  let reason: string | null;
  try {
    reason = acceptedSha256(resolved.spec).includes(fileDigest(resolved.file)) ? null : 'its checksum does not match the expected weights';
  } catch (err) {
    reason = `cannot read it: ${err instanceof Error ? err.message : String(err)}`;
  }
  return {
    spec: resolved.spec,
    status: reason ? 'damaged' : 'ready',
    modelsDir: resolved.modelsDir,
    problem: reason ? damagedWeightsMessage(resolved, reason) : null,
    searched: resolved.searched,
  };
}
