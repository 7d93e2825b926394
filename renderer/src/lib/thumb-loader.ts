// Grid thumbnails in view load first. The browser fetches at most six
// images at a time from one host, in the order they were put in the page,
// so after a scrollbar jump the rows kept above the view would load before
// the ones in it, and after a drag every row the drag passed over would
// still be fetched while the rows where it stopped wait, grey. Here each
// thumbnail waits its turn: rows in view before the margin rows, and a
// thumbnail whose cell leaves the page before its turn is never fetched
// (one already on its way is called off).

/** The browser's own limit per host over HTTP/1.1; more would only queue inside the browser, out of reach. */
const MAX_IN_FLIGHT = 6;

export interface ThumbRequest {
  url: string;
  /** 0 for a cell in view, 1 for the margin rows kept around it. */
  priority: number;
}

interface Entry extends ThumbRequest {
  img: HTMLImageElement;
  /** Order of asking, so equal priorities load top to bottom. */
  seq: number;
  /** Its load and error listener while it is in flight. */
  done: (() => void) | null;
}

const waiting = new Set<Entry>();
const inFlight = new Set<Entry>();
/** Already fetched once, so the browser's cache answers at once: no turn needed. */
const fetched = new Set<string>();
let seq = 0;

function stopListening(entry: Entry): void {
  if (!entry.done) return;
  entry.img.removeEventListener('load', entry.done);
  entry.img.removeEventListener('error', entry.done);
  entry.done = null;
}

function start(entry: Entry): void {
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

function pump(): void {
  while (inFlight.size < MAX_IN_FLIGHT && waiting.size > 0) {
    let next: Entry | null = null;
    for (const e of waiting) if (!next || e.priority < next.priority || (e.priority === next.priority && e.seq < next.seq)) next = e;
    start(next!);
  }
}

/** Svelte action for a grid cell's img: `use:thumb={{ url, priority }}`. */
export function thumb(img: HTMLImageElement, request: ThumbRequest) {
  const entry: Entry = { ...request, img, seq: seq++, done: null };
  const ask = () => {
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
      // Without a src the browser stops fetching the old one.
      img.removeAttribute('src');
      pump();
    }
  };
  ask();
  return {
    update(next: ThumbRequest) {
      if (next.url !== entry.url) {
        callOff();
        entry.url = next.url;
        entry.priority = next.priority;
        entry.seq = seq++;
        ask();
      } else {
        entry.priority = next.priority;
      }
    },
    destroy: callOff,
  };
}
