// The trained head as stored in a model version and read by prediction and
// export. A plain description of the arithmetic, independent of tfjs, so
// exporters can rebuild exactly the same function in ONNX or TF.js:
//
//   x = embedding (backbone output, `inputDim` floats)
//   if l2normalize: x = x / max(||x||_2, 1e-12)
//   if hidden:      x = relu(x @ hidden.weights + hidden.bias)
//   logits = x @ weights + bias;  probabilities = softmax(logits)
//
// Matrices are row-major Float32Array [rows = input size, cols = output size].

export interface DenseWeights {
  inputSize: number;
  outputSize: number;
  weights: Float32Array;
  bias: Float32Array;
}

export interface HeadModel {
  format: 1;
  backbone: string;
  inputDim: number;
  l2normalize: boolean;
  hidden: DenseWeights | null;
  output: DenseWeights;
  /** Class names in output order. */
  classes: string[];
}
