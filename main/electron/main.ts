// The Electron main process: only window, IPC and protocol plumbing. All
// behaviour lives in the core, which the browser host runs unchanged.
import '../ml/telemetry-off.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { PancakeCore } from '../core/core.js';
import type { DialogKind } from '../core/core-services.js';
import { APP_INDEX_URL, APP_SCHEME, isAppUrl, rendererHandler } from './app-scheme.js';
import { PathGrants } from './path-grants.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '../../renderer');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: 'pancake-media', privileges: { standard: true, secure: true } },
]);

/** The only permission the UI asks for: copying an export's folder to the clipboard. */
const USED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

let win: BrowserWindow | null = null;

async function showDialog(kind: DialogKind): Promise<string[]> {
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
  pickPaths: async (kind) => {
    const paths = await showDialog(kind);
    grants.grant(paths);
    return paths;
  },
  // Installed apps carry the weights in their resources folder (see electron-builder.yml).
  ...(app.isPackaged ? { resourcesPath: process.resourcesPath } : {}),
});
const grants = new PathGrants(core);

/** Only the app's own page in its own window speaks to the core. */
function fromAppWindow(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return win !== null && event.sender.id === win.webContents.id && frame !== null && frame.parent === null && isAppUrl(frame.url);
}

ipcMain.handle('pancake:call', (event, method: unknown, params: unknown) => {
  if (!fromAppWindow(event)) return { ok: false, error: { name: 'Forbidden', message: 'Only the Pancake window can call Pancake.' } };
  if (typeof method !== 'string') return { ok: false, error: { name: 'ValidationError', message: 'Bad call.' } };
  const refusal = grants.refusal(method, params);
  if (refusal) return { ok: false, error: { name: 'ValidationError', message: refusal } };
  return core.call(method, params);
});

// A dropped file's path is only readable in the preload, from the File the
// drop handed over, so a page cannot make one up for a file it was not given.
ipcMain.on('pancake:dropped', (event, dropped: unknown) => {
  if (fromAppWindow(event) && typeof dropped === 'string' && dropped !== '') grants.grant([dropped]);
});

core.events.subscribe((event) => win?.webContents.send('pancake:event', event));

function isAppWindow(contents: WebContents | null): boolean {
  return contents !== null && win !== null && contents.id === win.webContents.id && isAppUrl(contents.getURL());
}

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
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A middle click would otherwise open a link as a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.on('closed', () => (win = null));
  void win.loadURL(APP_INDEX_URL);
}

// Nothing in the app navigates away, opens windows, embeds pages or links
// out. Set for every web contents, not only the window's.
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) =>
    callback(USED_PERMISSIONS.has(permission) && isAppWindow(contents)),
  );
  session.defaultSession.setPermissionCheckHandler((contents, permission) => USED_PERMISSIONS.has(permission) && isAppWindow(contents));
  protocol.handle(APP_SCHEME, rendererHandler(rendererRoot));
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
