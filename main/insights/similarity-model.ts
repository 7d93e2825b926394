// A one-node ONNX graph, C = A · Bᵀ, so the all-pairs similarity scan runs
// on onnxruntime's optimised, multi-threaded GEMM: about thirty times
// faster than a dot-product loop in JavaScript, which is what makes an
// all-pairs scan of 20,000 images take seconds instead of minutes.
import { MessageWriter } from '../export/protobuf.js';
import { DATA_TYPE, encodeNode, encodeValueInfo, GRAPH, MODEL } from '../export/onnx-proto.js';

const IR_VERSION = 7;
const OPSET = 13;
const OPSET_ID = { domain: 1, version: 2 } as const;

export const SIMILARITY_INPUTS = { rows: 'rows', against: 'against' } as const;
export const SIMILARITY_OUTPUT = 'similarity';

export function similarityModel(): Uint8Array {
  const graph = new MessageWriter()
    .bytes(
      GRAPH.node,
      encodeNode({
        name: 'similarity',
        opType: 'Gemm',
        inputs: [SIMILARITY_INPUTS.rows, SIMILARITY_INPUTS.against],
        outputs: [SIMILARITY_OUTPUT],
        attributes: [{ name: 'transB', int: 1 }],
      }),
    )
    .string(GRAPH.name, 'pancake_similarity')
    .bytes(GRAPH.input, encodeValueInfo(SIMILARITY_INPUTS.rows, DATA_TYPE.FLOAT, ['n', 'dim']))
    .bytes(GRAPH.input, encodeValueInfo(SIMILARITY_INPUTS.against, DATA_TYPE.FLOAT, ['m', 'dim']))
    .bytes(GRAPH.output, encodeValueInfo(SIMILARITY_OUTPUT, DATA_TYPE.FLOAT, ['n', 'm']));
  return new MessageWriter()
    .varint(MODEL.irVersion, IR_VERSION)
    .bytes(MODEL.graph, graph.finish())
    .bytes(MODEL.opsetImport, new MessageWriter().string(OPSET_ID.domain, '').varint(OPSET_ID.version, OPSET).finish())
    .finish();
}
