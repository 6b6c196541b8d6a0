// retained.reports and retained.artifactManifest: what a run recorded, or what its directory holds now.
import * as Type from '@sinclair/typebox';
import { mediaTypeOf } from '../fs/media-type.js';
import { artifactEntries, listFiles } from '../run-dir/artifacts.js';
import { runFiles } from '../run-dir/files.js';
import { readRunFile, runFileKinds } from '../run-dir/read.js';
import { RunyardError } from '../schema/errors.js';
import { ArtifactEntry } from '../schema/run-dir.js';
import { shapeChecker } from '../run-dir/check.js';
import type {
  RetainedArtifactManifest,
  RetainedReport,
  RetainedReportsResult,
} from '../schema/retained-files.js';
import { locateRun } from './locate.js';
import type { RetainedIndex } from './retained-index.js';
import { checkPathText, resolveInRunDir, resolveServedFile, servedRoots } from './safe-path.js';

// Other producers may record more about an artifact; what the contract names is checked and served.
const isArtifactEntry = shapeChecker(Type.Object(ArtifactEntry.properties));

export async function reportsOf(index: RetainedIndex, name: string): Promise<RetainedReportsResult> {
  const { run, realRunDir, summary } = await locateRun(index, name);
  const { runId } = run;
  const recorded = summary?.reports;
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
  name: string,
): Promise<RetainedArtifactManifest> {
  const { run, realRunDir, summary } = await locateRun(index, name);
  const { runId } = run;
  const manifest = await readManifest(
    index.runsDir,
    run.dir,
    realRunDir,
    runId,
    summary?.artifactManifest ?? runFiles.manifest,
  );
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
  const artifacts = (await hasServedDir(realRunDir, runId, 'artifacts'))
    ? await artifactEntries(realRunDir)
    : [];
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
async function readManifest(runsDir: string, dir: string, realRunDir: string, runId: string, path: string) {
  let real: string;
  try {
    const file = await resolveInRunDir(realRunDir, runId, path, checkPathText(runId, path));
    if (!file.isFile) return undefined;
    real = file.real;
  } catch (error) {
    // A manifest that is missing, or named by a path that breaks a rule, is one the run does not have.
    if (error instanceof RunyardError) return undefined;
    throw error;
  }
  const manifest = readRunFile(runsDir, dir, path, real, runFileKinds.manifest);
  if (manifest.state !== 'read' || manifest.fields.artifacts === undefined) return undefined;
  return { artifacts: manifest.fields.artifacts, createdAt: manifest.fields.createdAt ?? null };
}

function asArtifact(runId: string, entry: unknown): ArtifactEntry | undefined {
  if (!isArtifactEntry(entry) || !entry.path.startsWith(`${runFiles.artifacts}/`)) return undefined;
  try {
    checkPathText(runId, entry.path);
  } catch {
    return undefined;
  }
  const { path, size, sha256, mediaType } = entry;
  return { path, size, sha256, mediaType };
}
