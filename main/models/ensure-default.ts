// `npm start` on a machine without weights: fetch the default backbone first,
// with progress in the terminal, rather than let the first Train fail. When
// that is impossible (offline) it says so and the app starts anyway: the
// Train view offers the same download.
import { AppState, defaultStateDir } from '../core/app-state.js';
import { DEFAULT_BACKBONE, backboneState } from '../ml/backbones.js';
import { installBackbone } from './install.js';
import { megabytes } from './fetch-errors.js';

export async function ensureDefaultBackbone(out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const settings = new AppState(defaultStateDir()).settings;
  const state = backboneState(DEFAULT_BACKBONE, { modelsDir: settings.modelsDir ?? null });
  if (state.status !== 'missing') return;
  const name = state.spec.label.replace(/\s*\(.*\)$/, '');
  out.write(`The ${name} backbone is not on this computer yet; downloading it once.\n`);
  let last = 0;
  try {
    const result = await installBackbone(DEFAULT_BACKBONE, {
      onProgress: (p) => {
        const now = Date.now();
        if (p.phase === 'downloading' && now - last < 500 && p.done !== p.total) return;
        last = now;
        const line =
          p.phase === 'downloading' && p.total
            ? `Downloading ${name}: ${megabytes(p.done)} of ${megabytes(p.total)}${p.etaSeconds ? `, about ${Math.ceil(p.etaSeconds)} s left` : ''}`
            : p.phase === 'converting'
              ? `Preparing ${name}…`
              : `Installing ${name}…`;
        out.write(out.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
      },
    });
    out.write(`${out.isTTY ? '\n' : ''}${name} is installed in ${result.dir}.\n`);
  } catch (err) {
    out.write(`${out.isTTY ? '\n' : ''}${err instanceof Error ? err.message : String(err)}\nPancake starts anyway; its Train view offers the download again.\n`);
  }
}
