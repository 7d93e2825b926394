// The renderer's only way to the core. Two transports, one typed client
// derived from the shared contract: the Electron preload bridge when it is
// there, else HTTP to the browser host with the per-run token (in a header
// only, never in a URL).
import type { Api, MethodName } from '../../../main/api/contract.js';
import type { ApiEvent, MediaKind } from '../../../main/api/types.js';
import { encodeCall, type WireResult } from '../../../main/api/wire.js';

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
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Transport {
  host: 'electron' | 'browser';
  call(method: string, params: unknown): Promise<WireResult>;
  subscribe(listener: (event: ApiEvent) => void): void;
  mediaUrl(kind: MediaKind, id: number): string;
  pathForFile(file: File): string | null;
}

function electronTransport(bridge: Bridge): Transport {
  return {
    host: 'electron',
    call: (method, params) => bridge.call(method, params),
    subscribe: (listener) => bridge.onEvent(listener),
    mediaUrl: (kind, id) => `${bridge.mediaBase}${kind}/${id}`,
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

function browserTransport(): Transport {
  const token = readToken();
  // Images and the event stream cannot carry the token header, so the host
  // swaps the token for an HttpOnly, SameSite=Strict cookie that they send
  // instead; everything waits for it, so no image is asked for before it.
  const session = fetch('/session', { method: 'POST', headers: { 'x-pancake-token': token } }).catch(() => undefined);
  return {
    host: 'browser',
    async call(method, params) {
      let res: Response;
      try {
        await session;
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', 'x-pancake-token': token },
          body: encodeCall(params) as BodyInit,
        });
      } catch {
        return { ok: false, error: { name: 'ConnectionError', message: 'Pancake is not running any more. Start it again and reload this page.' } };
      }
      if (res.status === 401) {
        return { ok: false, error: { name: 'AuthError', message: 'This page is not allowed to talk to Pancake. Open the address Pancake printed when it started.' } };
      }
      if (res.status === 413) {
        return { ok: false, error: { name: 'TooLargeError', message: 'That is too much to send in one go. Add fewer or smaller files at a time.' } };
      }
      return (await res.json()) as WireResult;
    },
    subscribe(listener) {
      void session.then(() => {
        const source = new EventSource('/api/events');
        source.onmessage = (e: MessageEvent<string>) => listener(JSON.parse(e.data) as ApiEvent);
      });
    },
    mediaUrl: (kind, id) => `/media/${kind}/${id}`,
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

export function onApiEvent(listener: (event: ApiEvent) => void): void {
  transport.subscribe(listener);
}

export const mediaUrl = transport.mediaUrl;
export const pathForFile = transport.pathForFile;
export const hostKind = transport.host;
export type { MethodName };
