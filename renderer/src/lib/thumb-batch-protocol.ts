// Messages between the grid's thumbnail loader and its batch worker.

export type ThumbBatchAsk =
  /** Fetch one /media/thumbs answer and make a blob URL of each thumbnail in it. */
  | { kind: 'fetch'; batch: number; url: string }
  /** A blob URL the loader no longer keeps. */
  | { kind: 'revoke'; blobUrl: string };

/** The blob URLs of one batch by image id; a thumbnail missing from the answer has none. */
export interface ThumbBatchAnswer {
  batch: number;
  blobUrls: [number, string][];
}
