// A head that reaches an exporter came out of a project file; check that its
// arrays fit together before building a model that would only fail later,
// inside some other program, with a far worse message.
import type { DenseWeights, HeadModel } from '../ml/head-format.js';

function checkDense(what: string, d: DenseWeights, inputSize: number): void {
  if (d.inputSize !== inputSize) {
    throw new Error(`${what} layer expects ${d.inputSize} inputs but receives ${inputSize}`);
  }
  if (!(d.outputSize > 0) || d.weights.length !== d.inputSize * d.outputSize || d.bias.length !== d.outputSize) {
    throw new Error(`${what} layer weights do not match its size ${d.inputSize}x${d.outputSize}`);
  }
}

export function checkHead(head: HeadModel, expectedBackbone: string): void {
  if (head.format !== 1) throw new Error(`unknown head format ${String(head.format)}`);
  if (head.backbone !== expectedBackbone) {
    throw new Error(`the head was trained on backbone "${head.backbone}", not "${expectedBackbone}"`);
  }
  if (head.hidden) checkDense('hidden', head.hidden, head.inputDim);
  checkDense('output', head.output, head.hidden ? head.hidden.outputSize : head.inputDim);
  if (head.classes.length !== head.output.outputSize) {
    throw new Error(`the head has ${head.output.outputSize} outputs but ${head.classes.length} class names`);
  }
}
