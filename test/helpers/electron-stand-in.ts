// A stand-in for the `electron` module, for loading the compiled main process
// in plain Node (Electron's binary cannot be had here). It does what the main
// process asks of Electron just far enough to record it, so a test can check
// the wiring: the window's options, the IPC handlers, the protocol handlers
// and the permission handlers. Loaded only through electron-hook.ts.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';

type Handler = (...args: unknown[]) => unknown;

export interface StandInFrame {
  url: string;
  parent: StandInFrame | null;
}

let nextContentsId = 1;

export class StandInWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame: StandInFrame = { url: '', parent: null };
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: Handler | null = null;

  getURL(): string {
    return this.mainFrame.url;
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }

  setWindowOpenHandler(handler: Handler): void {
    this.windowOpenHandler = handler;
  }
}

/** What the main process set up, for the test to read and drive. */
export const standIn = {
  windows: [] as StandInBrowserWindow[],
  privilegedSchemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
  protocolHandlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  invokeHandlers: new Map<string, Handler>(),
  messageListeners: new Map<string, Handler[]>(),
  permissionRequestHandler: null as Handler | null,
  permissionCheckHandler: null as Handler | null,
  /** Answers the next dialogs give, in order. */
  dialogAnswers: [] as string[][],
};

class StandInApp extends EventEmitter {
  readonly isPackaged = false;

  getPath(name: string): string {
    return path.join(process.env.PANCAKE_STAND_IN_APP_DATA ?? os.tmpdir(), name);
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  quit(): void {
    this.emit('quit');
  }
}

export const app = new StandInApp();

export class StandInBrowserWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();

  constructor(readonly options: Record<string, unknown>) {
    super();
    standIn.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }

  static getAllWindows(): StandInBrowserWindow[] {
    return standIn.windows;
  }

  loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }

  loadFile(file: string): Promise<void> {
    return this.loadURL(`file://${file}`);
  }
}

export const BrowserWindow = StandInBrowserWindow;

export const ipcMain = {
  handle(channel: string, handler: Handler): void {
    standIn.invokeHandlers.set(channel, handler);
  },
  on(channel: string, listener: Handler): void {
    standIn.messageListeners.set(channel, [...(standIn.messageListeners.get(channel) ?? []), listener]);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void {
    standIn.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    standIn.protocolHandlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: Handler): void {
      standIn.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: Handler): void {
      standIn.permissionCheckHandler = handler;
    },
  },
};

function nextAnswer(): string[] {
  return standIn.dialogAnswers.shift() ?? [];
}

export const dialog = {
  showOpenDialog(): Promise<{ canceled: boolean; filePaths: string[] }> {
    const filePaths = nextAnswer();
    return Promise.resolve({ canceled: filePaths.length === 0, filePaths });
  },
  showSaveDialog(): Promise<{ canceled: boolean; filePath: string }> {
    const [filePath = ''] = nextAnswer();
    return Promise.resolve({ canceled: filePath === '', filePath });
  },
};

export const shell = {
  openExternal(): Promise<void> {
    return Promise.reject(new Error('The stand-in opens nothing outside.'));
  },
};
