import fs from 'node:fs';

let cached: string | null = null;

/** The app version from package.json, found by walking up from this file (works in dist/ and packaged). */
export function readVersion(): string {
  if (cached) return cached;
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pancake' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here; look one folder up
    }
    dir = new URL('..', dir);
  }
  return (cached = '0.0.0');
}
