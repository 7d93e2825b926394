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
      // TEMP stand-in checksums (the staged files), replaced by the converter's own at merge.
      { path: 'mobilenet_v2_1.0_224/onnx/mobilenet_v2_1.0_224.onnx', bytes: 13_969_570, sha256: '49090c07ea626161809e8a8b0b053c4fb73c4bef7b3c71ac047ef38755ad6421' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard1of4.bin', bytes: 4_000_000, sha256: 'dd89fe2c830bf46269826023b6598e7e7e034b9c7cf3d211c67301cacdd675f0' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard2of4.bin', bytes: 4_000_000, sha256: '1ef60f75016b14ffe78c775b8bdf29dd5f533357d536fbed6b883a0e1f9a6eab' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard3of4.bin', bytes: 4_000_000, sha256: '9f0c30ee5214072f3789c6e46dfa543d086def5559cdfa569f681ba798760a7d' },
      { path: 'mobilenet_v2_1.0_224/tfjs/group1-shard4of4.bin', bytes: 1_956_388, sha256: 'a65377185e5866fed7516fcc34ad63af8ad8c27bbbd90d5782cbf9f3c8ab2654' },
      { path: 'mobilenet_v2_1.0_224/tfjs/model.json', bytes: 40_460, sha256: '504d14c38e525847fedb0070b9dcb8a1f016c8bfdfe2a528e35aa07d5ba1b9f2' },
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
      // TEMP stand-in checksum (the staged file), replaced by the converter's own at merge.
      { path: 'mobilenet_v3_small_1.0_224/onnx/mobilenet_v3_small_1.0_224.onnx', bytes: 10_166_790, sha256: '123b2e35eba07b1d32e50511f4a61985d19d990f67f7349f467faec2505dbcd6' },
    ],
  },
];
