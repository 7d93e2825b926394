// Picks the fastest tfjs backend available for head training. tfjs-node
// (native TensorFlow) wins where a user's machine has it; otherwise the
// WebAssembly backend, measured about 1.5x faster than the pure-JS cpu
// backend for this small model (see docs/benchmarks.md); cpu is the floor
// that always works.
import type { Tf } from './train-head.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

async function importOptional(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch {
    return null;
  }
}

export async function loadTf(prefer?: BackendName): Promise<{ tf: Tf; backend: BackendName }> {
  if (!prefer || prefer === 'tensorflow') {
    // A variable specifier: tfjs-node is optional and absent from package.json.
    const node = (await importOptional('@tensorflow/tfjs-node')) as Tf | null;
    if (node && (await node.setBackend('tensorflow'))) return { tf: node, backend: 'tensorflow' };
  }
  const tf = await import('@tensorflow/tfjs');
  // Silences the "install tfjs-node" banner, which users cannot act on.
  tf.env().set('PROD', true);
  if (!prefer || prefer === 'wasm') {
    if ((await importOptional('@tensorflow/tfjs-backend-wasm')) && (await tf.setBackend('wasm').catch(() => false))) {
      return { tf, backend: 'wasm' };
    }
  }
  await tf.setBackend('cpu');
  return { tf, backend: 'cpu' };
}
