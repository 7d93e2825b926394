// Where exports go by default, and the few facts about export errors and
// folder pickers that both export dialogs share.
import { api } from '../../lib/api';
import { project } from '../../lib/project.svelte';
import { toasts } from '../../lib/toasts.svelte';

/** A name part that is safe in a folder name on every desktop system. */
export function safeName(text: string): string {
  const clean = text.trim().replace(/[<>:"/\\|?*\p{Cc}]+/gu, '-').replace(/\s+/g, ' ').replace(/^[.\s-]+|[.\s-]+$/g, '');
  return clean.slice(0, 60) || 'export';
}

/** The separator the user's paths use: the projects folder tells. */
export function separatorOf(dir: string): string {
  return dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
}

export function joinPath(dir: string, ...parts: string[]): string {
  const sep = separatorOf(dir);
  return [dir.replace(/[\\/]+$/, ''), ...parts].join(sep);
}

/** `<projects folder>/exports/<project>-<version>-<format>`. */
export function defaultFolder(projectsDir: string, projectName: string, versionName: string, format: string): string {
  const name = `${safeName(projectName)}-${safeName(versionName)}-${format}`.replace(/\s+/g, '-');
  return projectsDir ? joinPath(projectsDir, 'exports', name) : name;
}

/** `<projects folder>/exports/<project>-dataset`: a dataset belongs to no model version. */
export function datasetFolder(projectsDir: string, projectName: string): string {
  const name = `${safeName(projectName)}-dataset`.replace(/\s+/g, '-');
  return projectsDir ? joinPath(projectsDir, 'exports', name) : name;
}

/**
 * The core refuses to overwrite unless asked and then says so in its
 * message ("…already exists; choose another folder or allow replacing
 * files"); only then does offering "Replace" make sense (a folder that is
 * not writable stays so however we ask).
 */
export function isReplaceable(message: string): boolean {
  return /already exists; choose another (folder|name) or allow replacing/i.test(message);
}

/** A native folder dialog where the host has one (Electron); null when cancelled or unavailable. */
export async function pickFolder(): Promise<string | null> {
  if (!project.app?.nativeDialogs) return null;
  try {
    const { paths } = await api.pickPaths({ kind: 'import-folder' });
    return paths[0] ?? null;
  } catch (err) {
    toasts.error(err);
    return null;
  }
}
