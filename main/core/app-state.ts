// What Pancake remembers between runs outside any project: recent projects,
// the last one open, and settings. A small JSON file, written atomically.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AppSettings {
  modelsDir?: string;
}

interface StateFile {
  recent: { path: string; name: string; openedAt: number }[];
  lastProject: string | null;
  settings: AppSettings;
  /** The browser host's last port, so an open tab finds it again after a restart. */
  hostPort?: number;
}

const MAX_RECENT = 10;

/** PANCAKE_HOME lets tests and portable installs keep state apart. */
export function defaultStateDir(): string {
  return process.env.PANCAKE_HOME ?? path.join(os.homedir(), '.pancake');
}

export class AppState {
  private state: StateFile;
  private readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'state.json');
    this.state = this.read();
  }

  private read(): StateFile {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<StateFile>;
      return {
        recent: Array.isArray(parsed.recent) ? parsed.recent : [],
        lastProject: typeof parsed.lastProject === 'string' ? parsed.lastProject : null,
        settings: parsed.settings && typeof parsed.settings === 'object' ? parsed.settings : {},
        ...(Number.isInteger(parsed.hostPort) && parsed.hostPort! > 0 && parsed.hostPort! < 65536 ? { hostPort: parsed.hostPort! } : {}),
      };
    } catch {
      // A missing or damaged state file only costs the recent list.
      return { recent: [], lastProject: null, settings: {} };
    }
  }

  private write(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    fs.renameSync(tmp, this.file);
  }

  get recent(): readonly { path: string; name: string; openedAt: number }[] {
    return this.state.recent;
  }

  get lastProject(): string | null {
    return this.state.lastProject;
  }

  get settings(): AppSettings {
    return this.state.settings;
  }

  opened(file: string, name: string): void {
    this.state.recent = [
      { path: file, name, openedAt: Date.now() },
      ...this.state.recent.filter((r) => r.path !== file),
    ].slice(0, MAX_RECENT);
    this.state.lastProject = file;
    this.write();
  }

  closed(): void {
    this.state.lastProject = null;
    this.write();
  }

  forget(file: string): void {
    this.state.recent = this.state.recent.filter((r) => r.path !== file);
    if (this.state.lastProject === file) this.state.lastProject = null;
    this.write();
  }

  get hostPort(): number | null {
    return this.state.hostPort ?? null;
  }

  rememberHostPort(port: number): void {
    if (this.state.hostPort === port) return;
    this.state.hostPort = port;
    this.write();
  }

  updateSettings(changes: AppSettings): void {
    this.state.settings = { ...this.state.settings, ...changes };
    this.write();
  }

  defaultProjectDir(): string {
    return path.join(os.homedir(), 'Pancake');
  }
}
