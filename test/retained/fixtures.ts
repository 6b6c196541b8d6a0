// Run directories written by hand, the way an older runyard, another daemon or a copy would leave them.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunyardClient } from 'runyard/client';
import { newRunId } from '../../src/runs/ids.js';

/** A fresh run id for a run created at `time` (ISO), so tests control the list order. */
export const runIdAt = (time: string) => newRunId(Date.parse(time));

/** What the current daemon writes, for a run that finished at `finishedAt`. */
export function summaryOf(runId: string, finishedAt: string, overrides: Record<string, unknown> = {}) {
  const ended = Date.parse(finishedAt);
  return {
    schemaVersion: 1,
    runId,
    status: 'succeeded',
    actionId: null,
    serviceId: null,
    labels: {},
    createdAt: new Date(ended - 20).toISOString(),
    startedAt: new Date(ended - 10).toISOString(),
    finishedAt,
    durationMs: 10,
    attempts: 1,
    exitCode: 0,
    signal: null,
    error: null,
    reports: [],
    artifactManifest: 'artifact-manifest.json',
    ...overrides,
  };
}

/** Writes `files` (path → JSON value, text or bytes) under `<runsDir>/<dir>`. */
export async function writeRunDir(
  runsDir: string,
  dir: string,
  files: Record<string, unknown>,
): Promise<string> {
  const root = join(runsDir, dir);
  await mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    const data =
      typeof content === 'string' || content instanceof Uint8Array
        ? content
        : `${JSON.stringify(content, null, 2)}\n`;
    await writeFile(join(root, path), data);
  }
  return root;
}

/** A finished run of the daemon that wrote `reports` and `artifacts` (relative path → text). */
export async function finishedRunWriting(
  client: RunyardClient,
  files: { reports?: Record<string, string>; artifacts?: Record<string, string> },
  extra: { labels?: Record<string, string>; outputDir?: string } = {},
) {
  const lines = Object.entries({
    ...Object.fromEntries(
      Object.entries(files.reports ?? {}).map(([path, text]) => [`reports/${path}`, text]),
    ),
    ...Object.fromEntries(
      Object.entries(files.artifacts ?? {}).map(([path, text]) => [`artifacts/${path}`, text]),
    ),
  }).map(
    ([path, text]) =>
      `mkdir -p "$(dirname "$RUNYARD_RUN_DIR/${path}")" && printf '%s' '${text}' > "$RUNYARD_RUN_DIR/${path}"`,
  );
  const started = await client.run.start({ argv: ['sh', '-c', lines.join(' && ') || 'true'], ...extra });
  return client.run.wait({ runId: started.runId, timeoutMs: 20_000 });
}
