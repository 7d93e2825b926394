// The Electron main process: only window, IPC and protocol plumbing. All
// behaviour lives in the core, which the browser host runs unchanged.
import '../ml/telemetry-off.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, shell } from 'electron';
import { PancakeCore, type DialogKind } from '../core/core.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '../../renderer/index.html');

protocol.registerSchemesAsPrivileged([{ scheme: 'pancake-media', privileges: { standard: true, secure: true } }]);

let win: BrowserWindow | null = null;

async function pickPaths(kind: DialogKind): Promise<string[]> {
  if (!win) return [];
  const filters = [{ name: 'Pancake projects', extensions: ['pancake'] }];
  if (kind === 'new-project') {
    const res = await dialog.showSaveDialog(win, { title: 'New project', filters, defaultPath: 'My classifier.pancake' });
    return res.canceled || !res.filePath ? [] : [res.filePath];
  }
  const properties: ('openFile' | 'openDirectory' | 'multiSelections')[] =
    kind === 'open-project' ? ['openFile'] : kind === 'import-folder' ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'];
  const res = await dialog.showOpenDialog(win, {
    properties,
    ...(kind === 'open-project'
      ? { filters }
      : kind === 'import-files'
        ? { filters: [{ name: 'Images', extensions: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff', 'bmp'] }] }
        : {}),
  });
  return res.canceled ? [] : res.filePaths;
}

const core = new PancakeCore({
  stateDir: app.getPath('userData'),
  host: 'electron',
  pickPaths,
  // Installed apps carry the weights in their resources folder (see electron-builder.yml).
  ...(app.isPackaged ? { resourcesPath: process.resourcesPath } : {}),
});

ipcMain.handle('pancake:call', (_event, method: unknown, params: unknown) =>
  typeof method === 'string' ? core.call(method, params) : { ok: false, error: { name: 'ValidationError', message: 'Bad call.' } },
);

core.events.subscribe((event) => win?.webContents.send('pancake:event', event));

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Pancake',
    webPreferences: {
      preload: path.join(here, '../../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // Nothing in the app navigates away or opens windows; links go to the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.on('closed', () => (win = null));
  void win.loadFile(rendererIndex);
}

void app.whenReady().then(() => {
  protocol.handle('pancake-media', (request) => {
    const url = new URL(request.url);
    const [kind, idText] = url.pathname.split('/').filter(Boolean);
    const media = kind === 'thumb' || kind === 'preview' ? core.media(kind, Number(idText)) : null;
    if (!media) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(media.bytes), { headers: { 'content-type': media.mime } });
  });
  core.reopenLast();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  core.shutdown();
  app.quit();
});
