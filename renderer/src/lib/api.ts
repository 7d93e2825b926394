// The renderer's only way to the core. Two transports, one typed client
// derived from the shared contract: the Electron preload bridge when it is
// there, else HTTP to the browser host with its token (in a header only,
// never in a URL; it survives the host's restarts, so the page reconnects).
import type { Api, MethodName } from '../../../contract/contract.js';
import type { ApiEvent, MediaKind } from '../../../contract/types.js';
import type { WireErrorName } from '../../../contract/errors.js';
import { encodeCall, type WireResult } from '../../../contract/wire.js';

/** What preload/preload.cts exposes as window.pancakeBridge. */
export interface Bridge {
  call(method: string, params: unknown): Promise<WireResult>;
  onEvent(listener: (event: ApiEvent) => void): void;
  pathForFile(file: File): string;
  mediaBase: string;
}

declare global {
  interface Window {
    pancakeBridge?: Bridge;
  }
}

export class ApiError extends Error {
  constructor(
    override readonly name: WireErrorName,
    message: string,
  ) {
    super(message);
  }
}

/**
 * 'down' while the host cannot be reached, 'up' when it answers again, and
 * 'refused' when a host answers but no longer knows this page's token (its
 * token file was replaced, or another Pancake took the port): waiting cannot
 * help then, so the page stops retrying.
 */
export type ConnectionStatus = 'up' | 'down' | 'refused';
export type ConnectionListener = (status: ConnectionStatus) => void;

const NOT_REACHABLE = 'Pancake is not reachable.';

interface Transport {
  host: 'electron' | 'browser';
  call(method: string, params: unknown): Promise<WireResult>;
  subscribe(listener: (event: ApiEvent) => void, connection: ConnectionListener): void;
  uploadProject(file: File): Promise<WireResult>;
  mediaUrl(kind: MediaKind, id: number): string;
  /** Many thumbnails in one answer, where the host offers it (lib/thumb-loader.ts). */
  thumbsUrl: ((ids: number[]) => string) | null;
  pathForFile(file: File): string | null;
}

function electronTransport(bridge: Bridge): Transport {
  return {
    host: 'electron',
    call: (method, params) => bridge.call(method, params),
    subscribe: (listener) => bridge.onEvent(listener),
    uploadProject: () => Promise.resolve({ ok: false, error: { name: 'ValidationError', message: 'Use “Open a project file…” here.' } }),
    mediaUrl: (kind, id) => `${bridge.mediaBase}${kind}/${id}`,
    // The app's own scheme has no six-at-a-time limit to work around.
    thumbsUrl: null,
    pathForFile: (file) => bridge.pathForFile(file) || null,
  };
}

function readToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('pancake-token', fromHash);
    return fromHash;
  }
  return sessionStorage.getItem('pancake-token') ?? '';
}

/** Retries after a lost event stream wait longer each time, up to a few seconds, so a restart is noticed quickly. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 4000;

function browserTransport(): Transport {
  const token = readToken();
  // The address a restarted host prints differs from this tab's only after
  // the '#', which the browser treats as the same page: start afresh with
  // its token instead of going on with the one the host no longer knows.
  window.addEventListener('hashchange', () => {
    if (readToken() !== token) location.reload();
  });
  // Images and the event stream cannot carry the token header, so the host
  // swaps the token for an HttpOnly, SameSite=Strict cookie that they send
  // instead. Its secret is new on every start of the host, so the page asks
  // again each time the stream comes back; calls wait for the newest one.
  // Resolves to whether the host refused the token; a host that cannot be reached is not a refusal.
  const startSession = () =>
    fetch('/session', { method: 'POST', headers: { 'x-pancake-token': token } }).then(
      (res) => res.status === 401,
      () => false,
    );
  let session = startSession();
  const post = async (url: string, type: string, body: BodyInit): Promise<WireResult> => {
    let res: Response;
    try {
      await session;
      res = await fetch(url, { method: 'POST', headers: { 'content-type': type, 'x-pancake-token': token }, body });
    } catch {
      return { ok: false, error: { name: 'ConnectionError', message: NOT_REACHABLE } };
    }
    if (res.status === 401) {
      return { ok: false, error: { name: 'AuthError', message: 'This page is not allowed to talk to Pancake. Open the address Pancake printed when it started.' } };
    }
    if (res.status === 413) {
      return { ok: false, error: { name: 'TooLargeError', message: 'That is too much to send in one go. Add fewer or smaller files at a time.' } };
    }
    return (await res.json()) as WireResult;
  };
  return {
    host: 'browser',
    call: (method, params) => post(`/api/${method}`, 'application/octet-stream', encodeCall(params) as BodyInit),
    uploadProject: (file) => post(`/upload/project?name=${encodeURIComponent(file.name)}`, 'application/octet-stream', file),
    subscribe(listener, connection) {
      let wait = RETRY_FIRST_MS;
      let lost = false;
      // The browser's own retry gives up on some failures (a refused stream
      // closes it for good), so every loss is retried here instead.
      const connect = async () => {
        if (lost) session = startSession();
        if (await session) {
          connection('refused');
          return;
        }
        const source = new EventSource('/api/events');
        source.onopen = () => {
          wait = RETRY_FIRST_MS;
          connection('up');
        };
        source.onmessage = (e: MessageEvent<string>) => listener(JSON.parse(e.data) as ApiEvent);
        source.onerror = () => {
          source.close();
          lost = true;
          connection('down');
          setTimeout(() => void connect(), wait);
          wait = Math.min(wait * 2, RETRY_MAX_MS);
        };
      };
      void connect();
    },
    mediaUrl: (kind, id) => `/media/${kind}/${id}`,
    thumbsUrl: (ids) => `/media/thumbs?ids=${ids.join(',')}`,
    pathForFile: () => null,
  };
}

const transport: Transport = window.pancakeBridge ? electronTransport(window.pancakeBridge) : browserTransport();

export const api = new Proxy({} as Api, {
  get(_target, method: string) {
    return async (params: unknown) => {
      const res = await transport.call(method, params ?? {});
      if (!res.ok) throw new ApiError(res.error.name, res.error.message);
      return res.result;
    };
  },
});

export function onApiEvent(listener: (event: ApiEvent) => void, connection: ConnectionListener): void {
  transport.subscribe(listener, connection);
}

/** Browser host only: sends a .pancake file to be kept in the Pancake folder and opened. */
export async function uploadProject(file: File): Promise<void> {
  const res = await transport.uploadProject(file);
  if (!res.ok) throw new ApiError(res.error.name, res.error.message);
}

/** The user stopped the call's work; what was finished is kept, and nothing needs saying. */
export function isCancelled(err: unknown): boolean {
  return err instanceof ApiError && err.name === 'Cancelled';
}

/** Where a failed call never reached the core, so nothing it asked for happened. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof ApiError && err.name === 'ConnectionError';
}

export const mediaUrl = transport.mediaUrl;
export const thumbsUrl = transport.thumbsUrl;
export const pathForFile = transport.pathForFile;
export const hostKind = transport.host;
export type { MethodName };
