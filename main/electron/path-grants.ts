// Paths a renderer may name over IPC. The core takes any path from any host
// (the CLI and the browser host name files by typing them); in the app only
// the renderer does, so a page that has been taken over could otherwise have
// the core open, import, export or load weights anywhere. The shell lets
// through only what the user picked in its own dialogs or dropped on the
// window, the recent projects, and the app's own projects folder.
import path from 'node:path';
import type { PancakeCore } from '../core/core.js';

const REFUSED = 'Choose that file or folder in a dialog first (Pancake only uses the files you pick).';

export class PathGrants {
  /** Picked or dropped paths; each covers itself and, for a folder, everything inside. */
  private readonly granted = new Set<string>();

  constructor(private readonly core: PancakeCore) {}

  grant(paths: readonly string[]): void {
    for (const p of paths) this.granted.add(path.resolve(p));
  }

  /** A sentence saying why the call is refused, or null when every path it names is allowed. */
  refusal(method: string, params: unknown): string | null {
    const named = this.namedPaths(method, params);
    const allowed = method === 'projectOpen' ? (p: string) => this.isRecent(p) || this.covers(p) : (p: string) => this.covers(p);
    return named.every(allowed) ? null : REFUSED;
  }

  private covers(p: string): boolean {
    const roots = [...this.granted, path.resolve(this.core.appState.defaultProjectDir())];
    return roots.some((root) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  }

  private isRecent(p: string): boolean {
    return this.core.appState.recent.some((r) => path.resolve(r.path) === p);
  }

  /**
   * Every path a call names, resolved as the core resolves it. Fields of the
   * wrong type are left to the core's validator, which refuses the call.
   */
  private namedPaths(method: string, params: unknown): string[] {
    const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
    const project = (value: unknown) => strings(value).map((s) => this.core.resolveProjectPath(s));
    const plain = (value: unknown) => strings(value).map((s) => path.resolve(s));
    switch (method) {
      case 'projectCreate':
      case 'projectOpen':
      case 'exportProject':
        return project(p.path);
      case 'importPaths':
      case 'predictPaths':
        return plain(p.paths);
      case 'evaluateFolder':
        return plain(p.folder);
      case 'exportModel':
      case 'modelsFetch':
        return plain(p.dir);
      case 'settingsSet':
        return plain(p.modelsDir);
      default:
        return [];
    }
  }
}
