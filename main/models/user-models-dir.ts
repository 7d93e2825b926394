// The per-user models folder, where `pancake models fetch` installs weights.
// It follows each platform's convention for per-user application data and
// depends only on the user's home (never PANCAKE_HOME, which tests and
// portable installs set per run), so every project and run shares one copy.
import os from 'node:os';
import path from 'node:path';

export function userModelsDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  // os.homedir() ignores HOME on some platforms; HOME wins so a test's empty HOME is honoured.
  const home = env.HOME || os.homedir();
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.win32.join(env.USERPROFILE || home, 'AppData', 'Local');
    return path.win32.join(local, 'Pancake', 'models');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Pancake', 'models');
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(xdg, 'pancake', 'models');
}
