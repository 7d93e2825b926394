// Starts a real browser host (a child process, as `npm start` would) with a
// throwaway state folder, and a real Debian Chromium driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { userModelsDir } from '../../main/models/user-models-dir.js';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const screenshotsDir = path.join(repoRoot, 'test-output', 'screenshots');

export interface Session {
  url: string;
  home: string;
  browser: Browser;
  page: Page;
  host: ChildProcess;
  hostLog: string[];
  /** Kills the host process, as a crash would; the page stays open. */
  stopHost(): Promise<void>;
  /** Starts the host again with the same state folder (so the same port and token). */
  startHost(): Promise<string>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(p)) throw new Error(`Chromium is not installed at ${p}; run .ci/run or apt-get install chromium.`);
  return p;
}

async function startHost(home: string, extraEnv: Record<string, string | undefined>, log: string[] = []): Promise<{ child: ChildProcess; url: string; log: string[] }> {
  // A throwaway HOME keeps the session's own folders apart; the weights stay where this machine keeps
  // them (the user models folder under XDG_DATA_HOME, where test/prepare.ts may have fetched them).
  const xdgDataHome = path.resolve(userModelsDir(), '..', '..');
  const env: Record<string, string | undefined> = {
    ...process.env,
    PANCAKE_HOME: home,
    HOME: home,
    XDG_DATA_HOME: xdgDataHome,
    PANCAKE_NO_OPEN: '1',
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/main/host/serve.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen = log.length;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser host did not start:\n${log.join('')}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      log.push(d.toString());
      const m = /running at (\S+)/.exec(log.slice(seen).join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    child.on('exit', (code) => reject(new Error(`browser host exited (${code}):\n${log.join('')}`)));
  });
  return { child, url, log };
}

/** `home` may be reused to check what survives a restart of the host; `env` entries set to undefined are removed. */
export async function startSession(
  opts: { home?: string; viewport?: { width: number; height: number }; env?: Record<string, string | undefined> } = {},
): Promise<Session> {
  const home = opts.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-'));
  const started = await startHost(home, opts.env ?? {});
  const { url, log } = started;
  let child = started.child;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  page.on('pageerror', (err) => log.push(`[pageerror] ${err.message}\n`));
  // A style or script the page's CSP refuses breaks the UI quietly; count it as a page error.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) log.push(`[pageerror] ${msg.text()}\n`);
  });
  await page.goto(url);
  fs.mkdirSync(screenshotsDir, { recursive: true });
  return {
    url,
    home,
    browser,
    page,
    get host() {
      return child;
    },
    hostLog: log,
    async stopHost() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async startHost() {
      const again = await startHost(home, opts.env ?? {}, log);
      child = again.child;
      return again.url;
    },
    async screenshot(name) {
      const file = path.join(screenshotsDir, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
