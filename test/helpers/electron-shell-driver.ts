// Runs the compiled Electron main process (dist/main/electron/main.js) in
// plain Node against the stand-in `electron`, then answers the parent test's
// requests (over the fork IPC channel) by acting as Electron would: a call
// from a frame, a protocol request, a permission request, a navigation.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { repoRoot } from './temp.js';

register('./electron-hook.js', import.meta.url);
const { standIn, StandInWebContents } = await import('./electron-stand-in.js');
await import(pathToFileURL(path.join(repoRoot, 'dist/main/electron/main.js')).href);
// app.whenReady() has resolved; its callbacks run before the next turn.
await new Promise((resolve) => setImmediate(resolve));

export type Sender = 'app' | 'foreign-origin' | 'subframe' | 'other-window';

export type DriverRequest =
  | { op: 'window' }
  | { op: 'call'; sender: Sender; method: unknown; params?: unknown }
  | { op: 'dialog'; paths: string[] }
  | { op: 'drop'; sender: Sender; path: string }
  | { op: 'fetch'; url: string; method?: string }
  | { op: 'permission'; sender: Sender; permission: string }
  | { op: 'navigate'; url: string }
  | { op: 'open-window'; url: string };

const win = standIn.windows[0];
if (!win) throw new Error('The main process opened no window.');
const otherContents = new StandInWebContents();
otherContents.mainFrame.url = win.webContents.getURL();

/** The IPC event Electron would hand the main process for a message from `sender`. */
function eventFrom(sender: Sender): { sender: unknown; senderFrame: unknown } {
  const top = win!.webContents.mainFrame;
  switch (sender) {
    case 'app':
      return { sender: win!.webContents, senderFrame: top };
    case 'foreign-origin':
      return { sender: win!.webContents, senderFrame: { url: 'file:///tmp/page.html', parent: null } };
    case 'subframe':
      return { sender: win!.webContents, senderFrame: { url: top.url, parent: top } };
    case 'other-window':
      return { sender: otherContents, senderFrame: otherContents.mainFrame };
  }
}

async function answer(req: DriverRequest): Promise<unknown> {
  switch (req.op) {
    case 'window':
      return { options: win!.options, url: win!.webContents.getURL(), schemes: standIn.privilegedSchemes };
    case 'call':
      return standIn.invokeHandlers.get('pancake:call')!(eventFrom(req.sender), req.method, req.params);
    case 'dialog':
      standIn.dialogAnswers.push(req.paths);
      return null;
    case 'drop':
      for (const listener of standIn.messageListeners.get('pancake:dropped') ?? []) listener(eventFrom(req.sender), req.path);
      return null;
    case 'fetch': {
      const scheme = new URL(req.url).protocol.slice(0, -1);
      const res = await standIn.protocolHandlers.get(scheme)!(new Request(req.url, { method: req.method ?? 'GET' }));
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    }
    case 'permission': {
      const contents = req.sender === 'other-window' ? otherContents : win!.webContents;
      const requested = await new Promise<boolean>((resolve) =>
        standIn.permissionRequestHandler!(contents, req.permission, resolve, { requestingUrl: contents.getURL() }),
      );
      const checked = standIn.permissionCheckHandler!(contents, req.permission, contents.getURL(), {});
      return { requested, checked };
    }
    case 'navigate': {
      let prevented = false;
      win!.webContents.emit('will-navigate', { url: req.url, preventDefault: () => (prevented = true) });
      return { prevented };
    }
    case 'open-window':
      return win!.webContents.windowOpenHandler!({ url: req.url });
  }
}

process.on('message', (msg: { id: number; req: DriverRequest }) => {
  answer(msg.req).then(
    (result) => process.send!({ id: msg.id, result }),
    (err: unknown) => process.send!({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.send!({ ready: true });
