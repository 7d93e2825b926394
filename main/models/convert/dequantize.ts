// Float32 values of a constant TFLite tensor: w = scale * (q - zero_point),
// with one scale and zero point for the whole tensor or one per slice along
// quantized_dimension. int32 biases carry their own scale (s_in * s_w), so the
// same formula covers them.
import { TENSOR_TYPE, type TfliteTensor } from '../tflite/tflite-model.js';
import { ConvertError } from './convert-error.js';

function quantizedValues(t: TfliteTensor, data: Buffer): ArrayLike<number> {
  switch (t.type) {
    case TENSOR_TYPE.UINT8:
      return data;
    case TENSOR_TYPE.INT8:
      return new Int8Array(data.buffer, data.byteOffset, data.byteLength);
    case TENSOR_TYPE.INT32:
      return Int32Array.from({ length: data.byteLength / 4 }, (_, i) => data.readInt32LE(4 * i));
    default:
      throw new ConvertError(`The weights of tensor "${t.name}" have TFLite type ${t.type}, which the converter does not read.`);
  }
}

export function dequantize(t: TfliteTensor): Float32Array {
  const data = t.data;
  if (!data) throw new ConvertError(`Tensor "${t.name}" should hold weights but has no data.`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.type === TENSOR_TYPE.FLOAT32) {
    if (data.byteLength !== count * 4) throw new ConvertError(`Tensor "${t.name}" holds ${data.byteLength} bytes instead of ${count * 4}.`);
    return Float32Array.from({ length: count }, (_, i) => data.readFloatLE(4 * i));
  }
  const q = quantizedValues(t, data);
  const quant = t.quantization;
  if (q.length !== count || !quant) throw new ConvertError(`Tensor "${t.name}" is not a quantized tensor of shape [${t.shape.join(',')}].`);
  const channels = quant.scale.length;
  // Elements between two consecutive indices of the quantized dimension (row-major).
  const inner = t.shape.slice(quant.quantizedDimension + 1).reduce((a, b) => a * b, 1);
  if (channels !== 1 && (t.shape[quant.quantizedDimension] !== channels || quant.zeroPoint.length !== channels)) {
    throw new ConvertError(`Tensor "${t.name}" has ${channels} scales that do not fit its shape [${t.shape.join(',')}].`);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    out[i] = quant.scale[c]! * (q[i]! - (quant.zeroPoint[c] ?? 0));
  }
  return out;
}
