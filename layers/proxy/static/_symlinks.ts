// Private to the static file engine: `disable_symlinks`. `if_outside_root` (the default) refuses
// a path whose real path leaves the real root (or alias); `on` refuses any symlink below the
// root (nginx's `from=$document_root`); `off` follows everything. A verdict holds while the
// file keeps its device and inode: a swapped link names another file, so it is judged afresh.

import type { Settings } from "../config/types.ts";

interface Verdict {
  dev: number;
  ino: number;
  settings: Settings;
  allowed: boolean;
}

const MAX_VERDICTS = 4096;
const verdicts = new Map<string, Verdict>();

/** The directory `path` was mapped under: the alias's or the root's, or null for neither. */
function baseOf(path: string, settings: Settings): string | null {
  for (const candidate of [settings.alias, settings.root]) {
    if (candidate === null) continue;
    if (path === candidate) return candidate;
    const dir = candidate.charCodeAt(candidate.length - 1) === 47
      ? candidate.slice(0, -1)
      : candidate;
    if (
      path.startsWith(dir) && (path.length === dir.length || path.charCodeAt(dir.length) === 47)
    ) {
      return dir;
    }
  }
  return null;
}

/** Whether `settings.disableSymlinks` lets `path` be served (judged now, on the file system). */
export function symlinksAllowed(path: string, settings: Settings): boolean {
  const mode = settings.disableSymlinks;
  if (mode === "off") return true;
  const base = baseOf(path, settings);
  if (base === null) return false;
  try {
    if (mode === "on") return !hasSymlinkBelow(path, base);
    const real = Deno.realPathSync(path);
    const realBase = Deno.realPathSync(base === "" ? "/" : base);
    if (real === realBase || realBase === "/") return true;
    return real.startsWith(realBase) && real.charCodeAt(realBase.length) === 47;
  } catch {
    return false;
  }
}

function hasSymlinkBelow(path: string, base: string): boolean {
  let end = path.length;
  if (end > base.length && path.charCodeAt(end - 1) === 47) end--;
  let at = base.length;
  while (at < end) {
    let next = path.indexOf("/", at + 1);
    if (next < 0 || next > end) next = end;
    if (Deno.lstatSync(path.slice(0, next)).isSymlink) return true;
    at = next;
  }
  return false;
}

/** {@linkcode symlinksAllowed}, remembered per path while `info`'s device and inode hold. */
export function symlinksAllowedCached(
  path: string,
  info: Deno.FileInfo,
  settings: Settings,
): boolean {
  if (settings.disableSymlinks === "off") return true;
  const known = verdicts.get(path);
  const ino = info.ino ?? 0;
  if (known && known.dev === info.dev && known.ino === ino && known.settings === settings) {
    return known.allowed;
  }
  const allowed = symlinksAllowed(path, settings);
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(path, { dev: info.dev, ino, settings, allowed });
  return allowed;
}
