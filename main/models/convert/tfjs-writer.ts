// Writes the float graph as a TF.js layers model (model.json + weight shards)
// that plain `tf.loadLayersModel` reads: stock Keras layers only, the
// embedding as the GlobalAveragePooling2D layer named `embedding`, the
// classifier as Dense `logits` and the Activation `probs`. The JSON is built
// from literals in a fixed key order, so the bytes depend only on the graph.
import { ConvertError } from './convert-error.js';
import type { ConvOp, Graph } from './graph.js';

/** tfjs-converter's shard size. */
const SHARD_BYTES = 4 * 1024 * 1024;
const TFJS_VERSION = '4.22.0';

export interface TfjsFiles {
  modelJson: Uint8Array;
  shards: { name: string; data: Uint8Array }[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

type Inbound = [string, number, number, Record<string, never>];

const initializer = (className: string) =>
  className === 'Zeros'
    ? { class_name: 'Zeros', config: {} }
    : { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } };

class Layers {
  readonly layers: object[] = [];
  readonly specs: WeightSpec[] = [];
  readonly weights: Float32Array[] = [];
  /** Graph value -> the layer that outputs it. */
  readonly layerOf = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  name(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return `${prefix}_${n}`;
  }

  inbound(values: string[]): Inbound[][] {
    return [
      values.map((v): Inbound => {
        const layer = this.layerOf.get(v);
        if (!layer) throw new ConvertError(`The TF.js model has no layer for value "${v}".`);
        return [layer, 0, 0, {}];
      }),
    ];
  }

  add(name: string, className: string, config: object, inputs: string[], output: string): void {
    this.layers.push({ name, class_name: className, config, inbound_nodes: inputs.length ? this.inbound(inputs) : [] });
    this.layerOf.set(output, name);
  }

  weight(layer: string, weight: string, shape: number[], data: Float32Array): void {
    this.specs.push({ name: `${layer}/${weight}`, shape, dtype: 'float32' });
    this.weights.push(data);
  }
}

function activation(op: ConvOp): string {
  if (!op.clip) return 'linear';
  if (op.clip[0] === 0 && op.clip[1] === 6) return 'relu6';
  throw new ConvertError(`Convolution "${op.output}" clamps to [${op.clip.join(', ')}], which no stock TF.js activation does.`);
}

/** OHWI to Keras' HWIO. */
function kernelHwio(op: ConvOp): Float32Array {
  const [kh, kw] = op.kernel;
  const out = new Float32Array(op.weights.length);
  for (let o = 0; o < op.outChannels; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < op.inChannels; i++) out[((y * kw + x) * op.inChannels + i) * op.outChannels + o] = op.weights[((o * kh + y) * kw + x) * op.inChannels + i]!;
  return out;
}

function convLayer(l: Layers, op: ConvOp): void {
  const common = {
    kernel_size: [...op.kernel],
    strides: [...op.strides],
    padding: op.padding,
    data_format: 'channels_last',
    dilation_rate: [...op.dilations],
    activation: activation(op),
    use_bias: true,
  };
  const name = l.name(op.depthwise ? 'dwconv' : 'conv');
  if (op.depthwise) {
    // TFLite's [1,kh,kw,C*M] has the same element order as Keras' [kh,kw,C,M].
    l.add(
      name,
      'DepthwiseConv2D',
      { name, trainable: true, ...common, depth_multiplier: op.outChannels / op.inChannels, depthwise_initializer: initializer('VarianceScaling'), bias_initializer: initializer('Zeros') },
      [op.input],
      op.output,
    );
    l.weight(name, 'depthwise_kernel', [op.kernel[0], op.kernel[1], op.inChannels, op.outChannels / op.inChannels], op.weights);
  } else {
    l.add(
      name,
      'Conv2D',
      { name, trainable: true, filters: op.outChannels, ...common, kernel_initializer: initializer('VarianceScaling'), bias_initializer: initializer('Zeros') },
      [op.input],
      op.output,
    );
    l.weight(name, 'kernel', [op.kernel[0], op.kernel[1], op.inChannels, op.outChannels], kernelHwio(op));
  }
  l.weight(name, 'bias', [op.outChannels], op.bias);
}

function shard(weights: Float32Array[]): { name: string; data: Uint8Array }[] {
  const total = weights.reduce((n, w) => n + w.byteLength, 0);
  const all = new Uint8Array(total);
  const view = new DataView(all.buffer);
  let pos = 0;
  for (const w of weights) {
    for (const v of w) {
      view.setFloat32(pos, v, true);
      pos += 4;
    }
  }
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  return Array.from({ length: count }, (_, i) => ({
    name: `group1-shard${i + 1}of${count}.bin`,
    data: all.slice(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)),
  }));
}

export function writeTfjs(graph: Graph, name: string): TfjsFiles {
  const l = new Layers();
  const [h, w, c] = graph.inputShape;
  l.add('input', 'InputLayer', { batch_input_shape: [null, h, w, c], dtype: 'float32', sparse: false, name: 'input' }, [], graph.input);
  // Values that are [N,C] in TF.js: the global pool drops the 1x1 spatial axes TFLite keeps.
  const flat = new Set<string>();
  for (const op of graph.ops) {
    switch (op.kind) {
      case 'conv':
        if (flat.has(op.input)) {
          if (op.output !== graph.logits) throw new ConvertError(`Convolution "${op.output}" on pooled features is not the logits layer.`);
          l.add(
            'logits',
            'Dense',
            { units: op.outChannels, activation: activation(op), use_bias: true, kernel_initializer: initializer('VarianceScaling'), bias_initializer: initializer('Zeros'), name: 'logits', trainable: true },
            [op.input],
            op.output,
          );
          // A 1x1 kernel [O,1,1,I] as Dense [I,O].
          l.weight('logits', 'kernel', [op.inChannels, op.outChannels], kernelHwio(op));
          l.weight('logits', 'bias', [op.outChannels], op.bias);
          flat.add(op.output);
        } else {
          convLayer(l, op);
        }
        break;
      case 'add': {
        const inputs = op.inputs.map((x) => {
          if (typeof x !== 'string') throw new ConvertError(`Add "${op.output}" has a constant operand, which the TF.js writer does not support.`);
          return x;
        });
        if (op.clip) throw new ConvertError(`Add "${op.output}" clamps its output, which the TF.js writer does not support.`);
        const layer = l.name('add');
        l.add(layer, 'Add', { name: layer, trainable: true }, inputs, op.output);
        break;
      }
      case 'globalAveragePool': {
        const layer = op.output === graph.pooled ? 'embedding' : l.name('gap');
        l.add(layer, 'GlobalAveragePooling2D', { data_format: 'channels_last', name: layer, trainable: true }, [op.input], op.output);
        flat.add(op.output);
        break;
      }
      case 'flatten':
        if (!flat.has(op.input)) throw new ConvertError(`Flatten "${op.output}" of a spatial tensor is not supported by the TF.js writer.`);
        l.layerOf.set(op.output, l.layerOf.get(op.input)!);
        flat.add(op.output);
        break;
      case 'softmax':
        l.add('probs', 'Activation', { activation: 'softmax', name: 'probs', trainable: true }, [op.input], op.output);
        break;
      default:
        throw new ConvertError(`The TF.js writer has no stock layer for "${op.kind}".`);
    }
  }
  const shards = shard(l.weights);
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${TFJS_VERSION}`,
    convertedBy: 'Pancake convert-backbone (dequantized from TFLite)',
    modelTopology: {
      class_name: 'Model',
      config: { name, layers: l.layers, input_layers: [['input', 0, 0]], output_layers: [['probs', 0, 0]] },
      keras_version: `tfjs-layers ${TFJS_VERSION}`,
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: l.specs }],
  };
  return { modelJson: new TextEncoder().encode(JSON.stringify(json)), shards };
}
