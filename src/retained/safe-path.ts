// Path safety for retained runs: which names may be asked for, and resolving them without leaving a run directory.
import { lstat, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { isInside, isInsideOrAt } from '../fs/contain.js';
import { RunyardError } from '../schema/errors.js';
import { RetainedRunName } from '../schema/common.js';

// As ajv compiles the contract's patterns: with the u flag, so an unpaired surrogate is one character.
const RUN_NAME = new RegExp(RetainedRunName.pattern!, 'u');
// Linux gives up after 40 links in one lookup (ELOOP); a longer chain (a loop) resolves to nothing here too.
const MAX_LINKS = 40;

/** The directories whose files retained.readArtifact serves. */
export const servedRoots = ['reports', 'artifacts', 'logs'] as const;

/** Whether a retained.* call may name a run so: a run id, or a directory under the runs directory. */
export const isRunName = (text: string) => text.length <= RetainedRunName.maxLength! && RUN_NAME.test(text);

export function assertRunName(runId: string): void {
  if (!isRunName(runId)) throw new RunyardError('run_id_invalid', { runId });
}

/**
 * The checks that need no disk, in a fixed order so one path always gets the same answer. Paths are
 * taken literally: nothing is decoded, so "%2e%2e" is refused rather than guessed at.
 */
export function checkPathText(runId: string, path: string): string[] {
  const refuse = (reason: Parameters<typeof failure>[0]) => failure(reason, runId, path);
  if (path.includes('\0')) throw refuse('path_nul_byte');
  if (path.includes('\\')) throw refuse('path_backslash');
  if (/%[0-9A-Fa-f]{2}/.test(path)) throw refuse('path_percent_encoded');
  if (isAbsolute(path)) throw refuse('path_absolute');
  const segments = path.split('/');
  if (segments.includes('..')) throw refuse('path_parent_segment');
  if (segments.some((segment) => segment === '' || segment === '.')) throw refuse('path_not_normalized');
  return segments;
}

/** `checkPathText`, plus: the path names something under reports/, artifacts/ or logs/. */
export function checkServedPath(runId: string, path: string): string[] {
  const segments = checkPathText(runId, path);
  if (segments.length < 2 || !(servedRoots as readonly string[]).includes(segments[0]!))
    throw failure('path_not_served', runId, path);
  return segments;
}

const failure = (
  reason:
    | 'path_nul_byte'
    | 'path_backslash'
    | 'path_percent_encoded'
    | 'path_absolute'
    | 'path_parent_segment'
    | 'path_not_normalized'
    | 'path_not_served'
    | 'path_symlink_escape'
    | 'path_not_file'
    | 'artifact_not_found',
  runId: string,
  path: string,
) => new RunyardError(reason, { runId, path });

export interface ResolvedPath {
  /** Absolute, with no symlink in it (as of the check). */
  real: string;
  /** lstat of `real`: what an opened file must still be. */
  dev: number;
  ino: number;
  isFile: boolean;
  isDirectory: boolean;
  size: number;
}

/**
 * Resolves checked `segments` inside `realRunDir` one component at a time, following symlinks by hand
 * so that every link, wherever it sits and however it chains, is judged on its own target: a link that
 * points out of the run directory is refused even when a later link would lead back in. Missing
 * components answer artifact_not_found.
 */
export async function resolveInRunDir(
  realRunDir: string,
  runId: string,
  path: string,
  segments: readonly string[],
): Promise<ResolvedPath> {
  const pending = [...segments];
  let current = realRunDir;
  let links = 0;
  for (;;) {
    const segment = pending.shift();
    if (segment === undefined) break;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      // Only link targets bring ".." here; current never holds a symlink, so its parent is real.
      current = current.slice(0, current.lastIndexOf(sep)) || sep;
      if (!isInsideOrAt(realRunDir, current)) throw failure('path_symlink_escape', runId, path);
      continue;
    }
    const next = join(current, segment);
    const info = await lstatOrUndefined(next);
    if (!info) throw failure('artifact_not_found', runId, path);
    if (!info.isSymbolicLink()) {
      if (pending.length > 0 && !info.isDirectory()) throw failure('artifact_not_found', runId, path);
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) throw failure('artifact_not_found', runId, path);
    const target = await readlink(next);
    let base = current;
    if (isAbsolute(target)) {
      // An absolute target must name the run directory by its real path; anything else leaves it.
      const inside = isInside(realRunDir, target) ? target.slice(realRunDir.length + 1) : undefined;
      if (inside === undefined && target !== realRunDir) throw failure('path_symlink_escape', runId, path);
      base = realRunDir;
      pending.unshift(...(inside ?? '').split(sep));
    } else {
      pending.unshift(...target.split(sep));
    }
    current = base;
  }
  const info = await lstat(current);
  return {
    real: current,
    dev: info.dev,
    ino: info.ino,
    isFile: info.isFile(),
    isDirectory: info.isDirectory(),
    size: info.size,
  };
}

/** The served file a checked path names, or the error of the rule it breaks. */
export async function resolveServedFile(
  realRunDir: string,
  runId: string,
  path: string,
): Promise<ResolvedPath> {
  const segments = checkServedPath(runId, path);
  const resolved = await resolveInRunDir(realRunDir, runId, path, segments);
  // Links may move a path between reports/, artifacts/ and logs/, never onto run.json or the like.
  if (!servedRoots.some((root) => isInside(join(realRunDir, root), resolved.real)))
    throw failure('path_not_served', runId, path);
  if (!resolved.isFile) throw failure('path_not_file', runId, path);
  return resolved;
}

/**
 * The real path of a run's directory, which must lie strictly inside the runs directory (a directory
 * swapped for a symlink after the scan is caught here); undefined when it no longer exists.
 */
export async function realRunDirOf(realRunsDir: string, dir: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(join(realRunsDir, dir));
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
  if (!isInside(realRunsDir, real)) throw new RunyardError('path_outside_runs_dir', { field: 'runDir' });
  return real;
}

export const isGone = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}
