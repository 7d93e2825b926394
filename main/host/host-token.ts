// The browser host's secret, kept in the state folder so that a tab opened
// before a restart is still let in after it. Only the user may read it:
// anyone who can read the file can drive Pancake.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

export const TOKEN_FILE = 'host-token';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

/** A token file someone else could read may have leaked, so it is not trusted (POSIX modes only). */
function privateEnough(stat: fs.Stats): boolean {
  if (process.platform === 'win32') return true;
  return (stat.mode & 0o077) === 0 && (typeof process.getuid !== 'function' || stat.uid === process.getuid());
}

function readExisting(file: string): string | null {
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || !privateEnough(stat)) return null;
    const text = fs.readFileSync(file, 'utf8').trim();
    return TOKEN_SHAPE.test(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * Written in full to a private temporary file, then put in place with one
 * rename, so a reader never sees half a token and the file is never readable
 * by others, even for a moment.
 */
function writeNew(file: string): string {
  const token = crypto.randomBytes(24).toString('base64url');
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${token}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return token;
}

/** The token of earlier runs when its file is intact and private, else a new one that later runs keep. */
export function loadHostToken(stateDir: string): string {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, TOKEN_FILE);
  return readExisting(file) ?? writeNew(file);
}
