// retained.reports and retained.artifactManifest: what a run recorded, or what its directory holds now.
import { readFile } from 'node:fs/promises';
import { mediaTypeOf } from '../fs/media-type.js';
import { listFiles, runFiles, sha256Of } from '../runs/run-dir.js';
import { RunyardError } from '../schema/errors.js';
import type { ArtifactEntry } from '../schema/run-dir.js';
import type { RetainedArtifactManifest, RetainedReport, RetainedReportsResult } from '../schema/retained.js';
import { asTime } from './read-run-dir.js';
import { locateRun } from './locate.js';
import type { RetainedIndex } from './retained-index.js';
import { checkPathText, resolveInRunDir, resolveServedFile, servedRoots } from './safe-path.js';

const SHA256 = /^[0-9a-f]{64}$/;

export async function reportsOf(index: RetainedIndex, runId: string): Promise<RetainedReportsResult> {
  const { realRunDir, summary } = await locateRun(index, runId);
  const recorded = stringList(summary?.reports);
  if (!recorded) {
    const files = (await hasServedDir(realRunDir, runId, 'reports'))
      ? await listFiles(realRunDir, runFiles.reports)
      : [];
    return { runId, source: 'generated', reports: files.map(report), omitted: 0 };
  }
  const reports: RetainedReport[] = [];
  let omitted = 0;
  for (const path of [...new Set(recorded)].sort()) {
    try {
      if (!path.startsWith(`${runFiles.reports}/`))
        throw new RunyardError('path_not_served', { runId, path });
      const file = await resolveServedFile(realRunDir, runId, path);
      reports.push(report({ path, size: file.size }));
    } catch (error) {
      if (!(error instanceof RunyardError)) throw error;
      omitted++;
    }
  }
  return { runId, source: 'recorded', reports, omitted };
}

export async function artifactManifestOf(
  index: RetainedIndex,
  runId: string,
): Promise<RetainedArtifactManifest> {
  const { realRunDir, summary } = await locateRun(index, runId);
  const named = typeof summary?.artifactManifest === 'string' ? summary.artifactManifest : runFiles.manifest;
  const manifest = await readManifest(realRunDir, runId, named);
  if (manifest) {
    const artifacts: ArtifactEntry[] = [];
    let omitted = 0;
    for (const entry of manifest.artifacts) {
      const artifact = asArtifact(runId, entry);
      if (artifact) artifacts.push(artifact);
      else omitted++;
    }
    artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { runId, source: 'recorded', createdAt: manifest.createdAt, artifacts, omitted };
  }
  // An older run without a manifest: computed the way the daemon computes one, written nowhere.
  const files = (await hasServedDir(realRunDir, runId, 'artifacts'))
    ? await listFiles(realRunDir, runFiles.artifacts)
    : [];
  const artifacts: ArtifactEntry[] = [];
  for (const file of files) {
    artifacts.push({
      path: file.path,
      size: file.size,
      sha256: await sha256Of(`${realRunDir}/${file.path}`),
      mediaType: file.mediaType,
    });
  }
  return { runId, source: 'generated', createdAt: null, artifacts, omitted: 0 };
}

const report = ({ path, size }: { path: string; size: number }): RetainedReport => ({
  path,
  size,
  mediaType: mediaTypeOf(path),
});

/**
 * Whether reports/ or artifacts/ is a directory to list. It may be a symlink within the run
 * directory; one that leads out of it is refused, since listing it would describe outside files.
 */
async function hasServedDir(realRunDir: string, runId: string, root: (typeof servedRoots)[number]) {
  try {
    return (await resolveInRunDir(realRunDir, runId, root, [root])).isDirectory;
  } catch (error) {
    if (error instanceof RunyardError && error.reason === 'artifact_not_found') return false;
    throw error;
  }
}

/** The recorded manifest, when the run has a readable one at a path that keeps the path rules. */
async function readManifest(realRunDir: string, runId: string, path: string) {
  let text: string;
  try {
    const file = await resolveInRunDir(realRunDir, runId, path, checkPathText(runId, path));
    if (!file.isFile) return undefined;
    text = await readFile(file.real, 'utf8');
  } catch (error) {
    // A manifest that is missing, or named by a path that breaks a rule, is one the run does not have.
    if (error instanceof RunyardError) return undefined;
    throw error;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { artifacts, createdAt } = (manifest ?? {}) as Record<string, unknown>;
  if (!Array.isArray(artifacts)) return undefined;
  return { artifacts: artifacts as unknown[], createdAt: asTime(createdAt) ?? null };
}

function asArtifact(runId: string, entry: unknown): ArtifactEntry | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const { path, size, sha256, mediaType } = entry as Record<string, unknown>;
  if (typeof path !== 'string' || !path.startsWith(`${runFiles.artifacts}/`)) return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return undefined;
  if (typeof sha256 !== 'string' || !SHA256.test(sha256) || typeof mediaType !== 'string') return undefined;
  try {
    checkPathText(runId, path);
  } catch {
    return undefined;
  }
  return { path, size: size as number, sha256, mediaType };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}
