// The yardstick of the issue: one bare embedding pass over files on disk,
// in this thread, one image at a time: read, sharp decode and centre crop,
// one onnxruntime forward pass (batch 1, one view). No store, no workers,
// no overlap. The session is created inside the timing, as a fresh process
// would have to.
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import ort from 'onnxruntime-node';
import { resolveBackbone } from '../../main/ml/backbones.js';
import { preprocess } from '../../main/ml/preprocess.js';
import { PLAIN_VIEW, viewSpec } from '../../main/ml/views.js';

export interface BarePass {
  seconds: number;
  /** Of which decoding and cropping, and the forward passes. */
  decodeSeconds: number;
  forwardSeconds: number;
  /** Process CPU time, all threads: steadier than wall time on a shared machine. */
  cpuSeconds: number;
}

export async function bareEmbeddingPass(files: readonly string[], threads = 2): Promise<BarePass> {
  const { file, spec } = resolveBackbone();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  let decode = 0;
  let forward = 0;
  try {
    const size = spec.inputSize;
    const input = new Float32Array(size * size * 3);
    for (const f of files) {
      const t0 = performance.now();
      const px = await preprocess(fs.readFileSync(f), viewSpec(PLAIN_VIEW), size);
      for (let j = 0; j < px.length; j++) input[j] = px[j]! / 127.5 - 1;
      const t1 = performance.now();
      await session.run({ [spec.inputName]: new ort.Tensor('float32', input, [1, size, size, 3]) }, [spec.outputName]);
      forward += performance.now() - t1;
      decode += t1 - t0;
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      seconds: (performance.now() - started) / 1000,
      decodeSeconds: decode / 1000,
      forwardSeconds: forward / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await session.release();
  }
}
