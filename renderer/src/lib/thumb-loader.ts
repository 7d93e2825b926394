// Grid thumbnails in view load first. The browser fetches at most six
// images at a time from one host, in the order they were put in the page,
// so after a scrollbar jump the rows kept above the view would load before
// the ones in it, and after a drag every row the drag passed over would
// still be fetched while the rows where it stopped wait, grey. Here each
// thumbnail waits its turn: rows in view before the margin rows, and a
// thumbnail whose cell leaves the page before its turn is never fetched
// (one already on its way is called off). Where the host can send many in
// one answer (the browser host), a turn fetches a screenful at once, and a
// worker turns it into blob URLs (./thumb-batch-worker.ts).
import { thumbsUrl } from './api';
import type { ThumbBatchAnswer, ThumbBatchAsk } from './thumb-batch-protocol';

/** The browser's own limit per host over HTTP/1.1; more would only queue inside the browser, out of reach. */
const MAX_IN_FLIGHT = 6;
/** Thumbnails per answer: about a screen of the grid at 1280x800, so a jump is one or two round trips. */
const PER_BATCH = 36;
/** Two answers at once: one is read and shown while the next is on its way. */
const MAX_BATCHES = 2;
/** Thumbnails kept as blob URLs, about 10 MB: scrolling back shows them at once. */
const KEPT = 1000;

export interface ThumbRequest {
  id: number;
  url: string;
  /** 0 for a cell in view, 1 for the margin rows kept around it. */
  priority: number;
}

interface Entry extends ThumbRequest {
  img: HTMLImageElement;
  /** Order of asking, so equal priorities load top to bottom. */
  seq: number;
  /** Its load and error listener while it is in flight on its own. */
  done: (() => void) | null;
}

const waiting = new Set<Entry>();
const inFlight = new Set<Entry>();
/** Fetched on their own once, so the browser's cache answers at once: no turn needed. */
const fetched = new Set<string>();
/** Fetched in a batch: by their own URL, least recently used first. */
const kept = new Map<string, string>();
let batches = 0;
let seq = 0;

const turn = (a: Entry, b: Entry) => a.priority - b.priority || a.seq - b.seq;

function stopListening(entry: Entry): void {
  if (!entry.done) return;
  entry.img.removeEventListener('load', entry.done);
  entry.img.removeEventListener('error', entry.done);
  entry.done = null;
}

function startOne(entry: Entry): void {
  waiting.delete(entry);
  inFlight.add(entry);
  entry.done = () => {
    stopListening(entry);
    inFlight.delete(entry);
    if (entry.img.naturalWidth > 0) fetched.add(entry.url);
    pump();
  };
  entry.img.addEventListener('load', entry.done);
  entry.img.addEventListener('error', entry.done);
  entry.img.src = entry.url;
}

let worker: Worker | null = null;
/** False once the worker failed: each image then loads on its own, as in Electron. */
let workerUp = true;
let nextBatch = 0;
const answers = new Map<number, (blobUrls: Map<number, string>) => void>();

/** The worker that makes the batches' blob URLs (./thumb-batch-worker.ts), started with the first batch. */
function batchWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./thumb-batch-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<ThumbBatchAnswer>) => {
      answers.get(e.data.batch)?.(new Map(e.data.blobUrls));
      answers.delete(e.data.batch);
    };
    worker.onerror = () => {
      workerUp = false;
      for (const resolve of answers.values()) resolve(new Map());
      answers.clear();
    };
  }
  return worker;
}

function tellWorker(message: ThumbBatchAsk): void {
  batchWorker().postMessage(message);
}

function keep(url: string, blobUrl: string): void {
  // Two batches can carry one thumbnail when its cell came back while the first was on its way.
  const twin = kept.get(url);
  if (twin) tellWorker({ kind: 'revoke', blobUrl: twin });
  kept.delete(url);
  kept.set(url, blobUrl);
  if (kept.size > KEPT) {
    // Cells on the page were used last, so the oldest is off the page; an img already showing it keeps its pixels.
    const [oldest, oldBlob] = kept.entries().next().value as [string, string];
    kept.delete(oldest);
    tellWorker({ kind: 'revoke', blobUrl: oldBlob });
  }
}

async function startBatch(entries: Entry[], url: string): Promise<void> {
  for (const e of entries) {
    waiting.delete(e);
    inFlight.add(e);
  }
  batches++;
  const batch = nextBatch++;
  const got = await new Promise<Map<number, string>>((resolve) => {
    answers.set(batch, resolve);
    tellWorker({ kind: 'fetch', batch, url });
  });
  batches--;
  for (const e of entries) {
    const blobUrl = got.get(e.id);
    // Kept even when its cell has gone: scrolling back is likely, and the bytes are here.
    if (blobUrl) keep(e.url, blobUrl);
    if (!inFlight.delete(e)) continue;
    // Missing from the answer: the image tries on its own, which shows the same grey tile when the host cannot send it.
    e.img.src = blobUrl ?? e.url;
  }
  pump();
}

function pump(): void {
  if (thumbsUrl && workerUp) {
    while (batches < MAX_BATCHES && waiting.size > 0) {
      const next = [...waiting].sort(turn).slice(0, PER_BATCH);
      void startBatch(next, thumbsUrl(next.map((e) => e.id)));
    }
    return;
  }
  while (inFlight.size < MAX_IN_FLIGHT && waiting.size > 0) {
    let next: Entry | null = null;
    for (const e of waiting) if (!next || turn(e, next) < 0) next = e;
    startOne(next!);
  }
}

/** Svelte action for a grid cell's img: `use:thumb={{ id, url, priority }}`. */
export function thumb(img: HTMLImageElement, request: ThumbRequest) {
  const entry: Entry = { ...request, img, seq: seq++, done: null };
  const ask = () => {
    const blobUrl = kept.get(entry.url);
    if (blobUrl) {
      kept.delete(entry.url);
      kept.set(entry.url, blobUrl);
      img.src = blobUrl;
      return;
    }
    if (fetched.has(entry.url)) {
      img.src = entry.url;
      return;
    }
    waiting.add(entry);
    pump();
  };
  const callOff = () => {
    waiting.delete(entry);
    if (inFlight.delete(entry)) {
      stopListening(entry);
      // Without a src the browser stops fetching the old one (a batch simply finds it gone).
      img.removeAttribute('src');
      pump();
    }
  };
  ask();
  return {
    update(next: ThumbRequest) {
      if (next.url !== entry.url) {
        callOff();
        Object.assign(entry, next, { seq: seq++ });
        ask();
      } else {
        entry.priority = next.priority;
      }
    },
    destroy: callOff,
  };
}
