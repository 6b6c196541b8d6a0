// How `runyard runs` prints for people: tables of runs and files, and a block for one run.
import type { RetainedArtifactManifest, RetainedReportsResult } from '../../schema/retained-files.js';
import type { RetainedRun } from '../../schema/retained-run.js';
import type { RunDirProblem } from '../../schema/run-dir.js';

export function retainedTable(runs: readonly RetainedRun[]): string {
  return table([
    ['RUN ID', 'STATUS', 'FINISHED', 'EXIT', 'DIR'],
    ...runs.map((run) => [run.runId, statusOf(run), run.finishedAt ?? '-', endingOf(run), run.dir]),
  ]);
}

export function retainedBlock(run: RetainedRun): string {
  const labels = Object.entries(run.labels).map(([key, value]) => `${key}=${value}`);
  const rows: [string, string][] = [
    ['run id', run.runId],
    ['status', statusOf(run)],
    ['exit', endingOf(run)],
    ['error', run.error ? `${run.error.message} (${run.error.reason})` : '-'],
    ['created', run.createdAt ?? '-'],
    ['started', run.startedAt ?? '-'],
    ['finished', run.finishedAt ?? '-'],
    ['attempts', String(run.attempts)],
    ['dir', run.dir],
    ['labels', labels.length > 0 ? labels.join(' ') : '-'],
    ['action', run.actionId ?? '-'],
    ['service', run.serviceId ?? '-'],
  ];
  if (run.defaulted.length > 0) rows.push(['not recorded', run.defaulted.join(' ')]);
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, value]) => `${`${name}:`.padEnd(width)}${value}\n`).join('');
}

export function reportsTable(result: RetainedReportsResult): string {
  return table([
    ['PATH', 'SIZE', 'MEDIA TYPE'],
    ...result.reports.map((report) => [report.path, String(report.size), report.mediaType]),
  ]);
}

export function artifactsTable(result: RetainedArtifactManifest): string {
  return table([
    ['PATH', 'SIZE', 'SHA256', 'MEDIA TYPE'],
    ...result.artifacts.map((artifact) => [
      artifact.path,
      String(artifact.size),
      artifact.sha256,
      artifact.mediaType,
    ]),
  ]);
}

export function problemsTable(problems: readonly RunDirProblem[]): string {
  return table([
    ['DIR', 'REASON', 'PROBLEM'],
    ...problems.map((problem) => [problem.dir, problem.reason, problem.message]),
  ]);
}

const statusOf = (run: RetainedRun) =>
  run.recordedStatus === null ? run.status : `${run.status} (last recorded ${run.recordedStatus})`;

const endingOf = (run: RetainedRun) => run.signal ?? (run.exitCode === null ? '-' : String(run.exitCode));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  // The last column is not padded, so lines carry no trailing spaces.
  return rows
    .map((row) =>
      row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]!) : cell)).join('  '),
    )
    .map((line) => `${line}\n`)
    .join('');
}
