// `node dist/test/tools/grid-jump.js [--images 20000] [--jumps 8]`: what a
// scrollbar jump (and a drag of the scrollbar) in a big project's grid costs, in the real renderer on a
// real browser host. A project of distinct 192x144 thumbnails is written
// through the store; the grid then jumps to several far-apart places, and
// for each the page reports the longest frame after the jump (the time to
// the next frame, by requestAnimationFrame) and how long until every cell in
// view shows its thumbnail (its img complete), by performance.now(). Wall
// clock on a shared machine: compare runs made one after the other, never
// with numbers from another day. What the longest main-thread frame over
// 50 ms spent its time on comes from the browser's Long Animation Frames
// entries (script, forced style and layout, rendering), which cost the page
// nothing to record, unlike a trace, which makes every image request several
// milliseconds dearer and so blames them wrongly.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ProjectStore, type NewImage } from '../../db/project-store.js';
import { startSession } from '../e2e/harness.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '20000' }, jumps: { type: 'string', default: '8' } }, strict: true });
const IMAGES = Number(values.images);
const JUMPS = Number(values.jumps);
const CLASSES = ['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew', 'kiwi', 'lemon', 'mango', 'nectarine'];

/** A thumbnail of noise, so each is about as big and as slow to decode as a photo's; a few hundred distinct ones, reused. */
async function thumbnails(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const raw = crypto.randomBytes(48 * 36 * 3);
    out.push(await sharp(raw, { raw: { width: 48, height: 36, channels: 3 } }).resize(192, 144).jpeg({ quality: 80 }).toBuffer());
  }
  return out;
}

async function bigProject(file: string): Promise<void> {
  const thumbs = await thumbnails(300);
  const store = ProjectStore.create(file);
  const ids = CLASSES.map((name) => store.createClass(name));
  const rows: NewImage[] = [];
  for (let n = 0; n < IMAGES; n++) {
    const jpeg = thumbs[n % thumbs.length]!;
    rows.push({
      sha256: crypto.createHash('sha256').update(`generated ${n}`).digest('hex'),
      fileName: `photo-${String(n).padStart(5, '0')}.jpg`,
      sourcePath: `/photos/photo-${n}.jpg`,
      width: 192,
      height: 144,
      format: 'jpeg',
      byteSize: jpeg.length,
      split: 'none',
      classId: n % 10 === 0 ? null : ids[n % ids.length]!,
      importId: null,
      normalized: jpeg,
      normalizedWidth: 192,
      normalizedHeight: 144,
      thumbnail: jpeg,
      original: jpeg,
    });
  }
  store.insertImages(rows);
  store.close();
}

/** A Long Animation Frames entry, summed up (milliseconds). */
interface LongFrame {
  duration: number;
  script: number;
  forcedLayout: number;
  /** From the frame's rendering start to its style and layout: requestAnimationFrame callbacks, resize observers. */
  render: number;
  /** From style and layout to the frame's end: style, layout, paint, commit. */
  styleLayout: number;
  topScript: string;
}

// Runs in the page (a string: this file is compiled for Node, without the DOM's types).
// With steps > 1 it is a drag of the scrollbar thumb: one scroll per frame
// on the way to the place, each of them drawing cells the next one drops.
const JUMP = `async ([share, steps]) => {
  const grid = document.querySelector('[data-testid="image-grid"]');
  const from = grid.scrollTop;
  const to = share * (grid.scrollHeight - grid.clientHeight);
  const nextFrame = () => new Promise((r) => requestAnimationFrame(r));
  for (let s = 1; s < steps; s++) {
    grid.scrollTop = from + ((to - from) * s) / steps;
    await nextFrame();
  }
  const longFrames = [];
  const observer = new PerformanceObserver((list) => longFrames.push(...list.getEntries()));
  observer.observe({ type: 'long-animation-frame' });
  const start = performance.now();
  grid.scrollTop = to;
  let last = start, longest = 0;
  const inView = () => {
    const box = grid.getBoundingClientRect();
    return [...grid.querySelectorAll('[data-testid="grid-cell"] img')].filter((img) => {
      const r = img.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
  };
  // The longest main-thread frame over 50 ms after the jump, if any: where its time went.
  const breakdown = () => {
    longFrames.push(...observer.takeRecords());
    observer.disconnect();
    const worst = longFrames.filter((f) => f.startTime + f.duration >= start).sort((a, b) => b.duration - a.duration)[0];
    if (!worst) return null;
    const end = worst.startTime + worst.duration;
    const sum = (key) => worst.scripts.reduce((t, s) => t + s[key], 0);
    const top = [...worst.scripts].sort((a, b) => b.duration - a.duration)[0];
    return {
      duration: worst.duration,
      script: sum('duration'),
      forcedLayout: sum('forcedStyleAndLayoutDuration'),
      styleLayout: worst.styleAndLayoutStart > 0 ? end - worst.styleAndLayoutStart : 0,
      render: worst.renderStart > 0 ? worst.styleAndLayoutStart - worst.renderStart : 0,
      topScript: top ? top.invoker + ' ' + top.duration.toFixed(0) + ' ms' : '',
    };
  };
  return await new Promise((resolve) => {
    const frame = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      const imgs = inView();
      if (imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0)) {
        resolve({ longestFrame: longest, allShown: now - start, cells: imgs.length, long: breakdown() });
      } else if (now - start > 10000) {
        resolve({ longestFrame: longest, allShown: NaN, cells: imgs.length, long: breakdown() });
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-grid-jump-'));
try {
  const file = path.join(dir, 'Big.pancake');
  await bigProject(file);
  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  try {
    const { page } = session;
    await page.getByTestId('start-screen').waitFor();
    await page.getByTestId('open-project-path').fill(file);
    await page.getByTestId('open-project-button').click();
    await page.locator(`[data-testid="count-all"]:text-is("${IMAGES.toLocaleString('en-US')}")`).waitFor();
    await page.getByTestId('grid-cell').first().waitFor();
    // The store-made project has no vectors, so the live model starts embedding all of them; an
    // imported project has them from its import. Stopped, so the host's CPU goes to the grid alone.
    const cancel = page.getByTestId('live-embedding-cancel');
    await cancel.waitFor({ timeout: 20_000 }).then(
      () => cancel.click(),
      () => undefined,
    );
    await page.waitForTimeout(1500);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Far apart, never the same place twice, so no thumbnail comes from the browser's cache.
    const places = Array.from({ length: 2 * JUMPS }, (_, j) => ((j * 7) % (2 * JUMPS)) / (2 * JUMPS) + 0.25 / JUMPS);
    for (const [kind, steps] of [
      ['jump', 1],
      ['drag', 12],
    ] as const) {
      const rows: { longestFrame: number; allShown: number; cells: number; long: LongFrame | null }[] = [];
      for (let j = 0; j < JUMPS; j++) {
        rows.push(await page.evaluate(`(${JUMP})([${places[kind === 'jump' ? 2 * j : 2 * j + 1]}, ${steps}])`));
        await page.waitForTimeout(500);
      }
      for (const r of rows) {
        const f = r.long;
        const inside = f
          ? `main thread's longest ${f.duration.toFixed(0)} ms: script ${f.script.toFixed(0)} (${f.topScript}; forced layout ${f.forcedLayout.toFixed(0)}), ` +
            `rAF and observers ${f.render.toFixed(0)}, style and layout to paint ${f.styleLayout.toFixed(0)}`
          : 'no main-thread frame over 50 ms';
        console.log(`${kind}: longest frame ${r.longestFrame.toFixed(0)} ms (${inside}), every one of ${r.cells} cells in view shown after ${r.allShown.toFixed(0)} ms`);
      }
      console.log(
        `${IMAGES} images, ${JUMPS} ${kind}s: longest frame median ${median(rows.map((r) => r.longestFrame)).toFixed(0)} ms (max ${Math.max(...rows.map((r) => r.longestFrame)).toFixed(0)}); ` +
          `all in view shown median ${median(rows.map((r) => r.allShown)).toFixed(0)} ms (max ${Math.max(...rows.map((r) => r.allShown)).toFixed(0)})`,
      );
    }
  } finally {
    await session.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
