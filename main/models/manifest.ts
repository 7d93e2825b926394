// Where each backbone's weights come from: the published original file (a
// URL at a pinned commit, its size and sha256, its licence) and what the
// converter makes from it. This is data about the weights, never the weights:
// `pancake models fetch` downloads the original, checks it against these
// numbers, converts it and installs the result into the user's models folder.

export interface PublishedFile {
  /** The file at a pinned commit of its public repository. */
  url: string;
  /** Its name on a content-addressed mirror is its sha256; this is the name it is saved under. */
  fileName: string;
  bytes: number;
  sha256: string;
  /** Repository and commit the URL is pinned to, for people reading the manifest. */
  repository: string;
  commit: string;
  licence: string;
  licenceNote: string;
}

/** A file the converter writes, relative to the models folder; the converter is deterministic, so its checksum is known. */
export interface ConvertedFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ManifestEntry {
  id: string;
  original: PublishedFile;
  converted: readonly ConvertedFile[];
}

export const MODEL_MANIFEST: readonly ManifestEntry[] = [
  {
    id: 'mobilenet_v2_1.0_224',
    original: {
      url: 'https://github.com/google-coral/test_data/raw/104342d2d3480b3e66203073dac24f4e2dbb4c41/mobilenet_v2_1.0_224_quant.tflite',
      fileName: 'mobilenet_v2_1.0_224_quant.tflite',
      bytes: 3_610_798,
      sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
      repository: 'github.com/google-coral/test_data',
      commit: '104342d2d3480b3e66203073dac24f4e2dbb4c41',
      licence: 'Apache-2.0',
      licenceNote: "Google's quantization-aware trained MobileNetV2 from the TF-slim hosted models; the repository's LICENSE is Apache-2.0.",
    },
    converted: [
      { path: 'mobilenet_v2_1.0_224/onnx/mobilenet_v2_1.0_224.onnx', bytes: 13_970_140, sha256: '4bc7fbb60d9bce74e95bb2d43ab2fb9c9b816eadd7d587443d5915fc997ffb01' },
      { path: 'mobilenet_v2_1.0_224/tfjs/model.json', bytes: 33_691, sha256: '456f00b1d146e13c421275681cce0dd45b3c2bfa6410d845f047d8193ac2e912' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard1of4.bin', bytes: 4_194_304, sha256: 'e722e5d8d83e7b16e762896d4c82aefaac2e79bc2b2bcb7430596acb5fe20487' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard2of4.bin', bytes: 4_194_304, sha256: 'af077e7c7b406e1f391a466db38a8d2a971245bceb0d774ce47f7b4e41167cee' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard3of4.bin', bytes: 4_194_304, sha256: '1dc8eff2ab7d4544c937baf6c82fb5266d8842581940edcb681c2e408337cb7d' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard4of4.bin', bytes: 1_373_476, sha256: '2944b85ef32d368762ed2cc2665f247b460fbc8c9d7260511995cee8b7597ae5' },
    ],
  },
  {
    id: 'mobilenet_v3_small_1.0_224',
    original: {
      url: 'https://github.com/weilly0912/ATU_Model_Zoo/raw/16742989779cd175d708afd02c3c748a86494027/Classification/mobilenet_v3/v3-small_224_1.0_uint8.tflite',
      fileName: 'v3-small_224_1.0_uint8.tflite',
      bytes: 2_621_808,
      sha256: 'da341cf06fa50127a72dcbeb140ee5ee98013630aa044260a4c3d45c43fc89ce',
      repository: 'github.com/weilly0912/ATU_Model_Zoo',
      commit: '16742989779cd175d708afd02c3c748a86494027',
      licence: 'Apache-2.0',
      licenceNote:
        "Google's MobileNetV3 checkpoint release (tensorflow/models, Apache-2.0), as collected in a model zoo whose own LICENSE.txt is MIT.",
    },
    converted: [
      { path: 'mobilenet_v3_small_1.0_224/onnx/mobilenet_v3_small_1.0_224.onnx', bytes: 10_166_884, sha256: '593793918a1d00f71dd58d8c538c538f195acf579ae70af28907866cca51cbf3' },
    ],
  },
];
