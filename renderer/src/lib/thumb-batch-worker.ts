// Turns the browser host's batched thumbnails into blob URLs, off the page's
// main thread. Making a Blob and its URL costs about a millisecond per
// thumbnail there, so a screenful arriving at once was one task of 30 to
// 70 ms: the longest frame after a scrollbar jump (measured by
// test/tools/grid-jump.ts --trace). Blob URLs are the origin's, so the page's
// img elements load the ones made here; they live as long as this worker,
// which the page never ends.
import type { ThumbBatchAnswer, ThumbBatchAsk } from './thumb-batch-protocol';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ThumbBatchAsk>) => void) | null;
  postMessage(message: ThumbBatchAnswer): void;
};

/** Frames of the browser host's /media/thumbs answer: id and length (4 bytes each, big-endian), then the bytes. */
function frames(body: Uint8Array): Map<number, Uint8Array> {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Map<number, Uint8Array>();
  for (let at = 0; at + 8 <= body.length; ) {
    const length = view.getUint32(at + 4);
    out.set(view.getUint32(at), body.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return out;
}

async function fetchBatch(url: string): Promise<[number, string][]> {
  try {
    const res = await fetch(url);
    if (!res.ok) return [];
    const got = frames(new Uint8Array(await res.arrayBuffer()));
    return [...got]
      .filter(([, bytes]) => bytes.length > 0)
      .map(([id, bytes]) => [id, URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }))]);
  } catch {
    // Unreachable host: the page's images then try on their own, which shows the same grey tile.
    return [];
  }
}

scope.onmessage = (e) => {
  const ask = e.data;
  if (ask.kind === 'revoke') {
    URL.revokeObjectURL(ask.blobUrl);
    return;
  }
  void fetchBatch(ask.url).then((blobUrls) => scope.postMessage({ batch: ask.batch, blobUrls }));
};
