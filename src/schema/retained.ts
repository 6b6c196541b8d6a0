// The retained.* contract: finished runs served from their run directories, with or without the daemon.
import { Nullable } from './common.js';
import { defineMethod } from './method.js';
import { RetainedArtifactManifest, RetainedChunk, RetainedReadParams, RetainedReportsResult } from './retained-files.js';
import {
  RetainedLatestParams,
  RetainedListParams,
  RetainedListResult,
  RetainedProblemsParams,
  RetainedProblemsResult,
} from './retained-list.js';
import { exampleRetainedRun, RetainedRun, RetainedRunRef } from './retained-run.js';
import { exampleRun } from './run-record.js';

const runErrors = ['run_id_invalid', 'retained_run_not_found', 'path_outside_runs_dir'] as const;

export const retainedList = defineMethod({
  name: 'retained.list',
  retrySafe: true,
  summary: 'Retained runs newest first (by finish time), filtered, one page at a time.',
  description:
    'Filters combine: status (any of), actionId, serviceId, labels (all of), since (finished at or after), ' +
    'until (finished before). Answered from an in-memory index of the run directories, which the daemon ' +
    'builds at start-up and keeps current as runs finish and as other processes add or remove directories. ' +
    'In a cluster (a PostgreSQL store), merged with the finished runs of the other nodes, whose summaries ' +
    'are in the database: every node lists every node\'s runs, also while a node is down, and a cursor ' +
    'of one node is good on any other; skipped and incomplete count this node\'s directories.',
  params: RetainedListParams,
  result: RetainedListResult,
  errors: ['list_cursor_invalid', 'store_unavailable'],
  examples: [
    {
      name: 'the newest smoke runs',
      params: { labels: { suite: 'smoke' }, limit: 10 },
      result: { runs: [exampleRetainedRun], nextCursor: null, skipped: 0, incomplete: 0 },
    },
  ],
});

export const retainedLatest = defineMethod({
  name: 'retained.latest',
  retrySafe: true,
  summary: 'The newest retained run that matches the filters, or null.',
  description:
    'Takes the filters of retained.list; incomplete directories are never the latest. In a cluster, the ' +
    "latest of every node's runs, as retained.list lists them.",
  params: RetainedLatestParams,
  result: Nullable(RetainedRun),
  errors: ['store_unavailable'],
  examples: [
    {
      name: 'the latest successful run',
      params: { status: ['succeeded'] },
      result: exampleRetainedRun,
    },
  ],
});

export const retainedReports = defineMethod({
  name: 'retained.reports',
  retrySafe: true,
  summary: "A run's reports: path relative to the run directory, size and media type, sorted by path.",
  params: RetainedRunRef,
  result: RetainedReportsResult,
  errors: [...runErrors, 'path_symlink_escape', 'node_unavailable'],
  examples: [
    {
      name: 'a run that wrote one report',
      params: { runId: exampleRun.runId },
      result: {
        runId: exampleRun.runId,
        source: 'recorded',
        reports: [{ path: 'reports/report.md', size: 9, mediaType: 'text/markdown' }],
        omitted: 0,
      },
    },
  ],
});

export const retainedArtifactManifest = defineMethod({
  name: 'retained.artifactManifest',
  retrySafe: true,
  summary: "Every artifact of a run (path, size, sha256, media type), from its manifest or computed for older runs.",
  params: RetainedRunRef,
  result: RetainedArtifactManifest,
  errors: [...runErrors, 'path_symlink_escape', 'node_unavailable'],
  examples: [
    {
      name: 'a run that wrote one artifact',
      params: { runId: exampleRun.runId },
      result: {
        runId: exampleRun.runId,
        source: 'recorded',
        createdAt: '2026-11-23T10:00:00.021Z',
        artifacts: [
          {
            path: 'artifacts/out/data.csv',
            size: 4,
            sha256: '5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313',
            mediaType: 'text/csv',
          },
        ],
        omitted: 0,
      },
    },
  ],
});

export const retainedReadArtifact = defineMethod({
  name: 'retained.readArtifact',
  retrySafe: true,
  summary: 'Bytes of one report, artifact or log, base64, at most 1 MiB per call; read on from nextOffset until eof.',
  description:
    'Serves regular files under reports/, artifacts/ and logs/ (stdout.log, stderr.log) only. The path is checked before the disk is touched ' +
    '(no "..", absolute paths, NUL bytes, backslashes, percent-encoding, empty or "." segments), then resolved ' +
    'one component at a time: a symlink may point anywhere inside the run directory, never out of it.',
  params: RetainedReadParams,
  result: RetainedChunk,
  errors: [
    ...runErrors,
    'path_nul_byte',
    'path_backslash',
    'path_percent_encoded',
    'path_absolute',
    'path_parent_segment',
    'path_not_normalized',
    'path_not_served',
    'path_symlink_escape',
    'path_not_file',
    'artifact_not_found',
  'node_unavailable',
  ],
  examples: [
    {
      name: 'a small report in one call',
      params: { runId: exampleRun.runId, path: 'reports/report.md' },
      result: {
        runId: exampleRun.runId,
        path: 'reports/report.md',
        mediaType: 'text/markdown',
        size: 9,
        offset: 0,
        length: 9,
        nextOffset: 9,
        eof: true,
        data: 'IyBhbGwgb2sK',
      },
    },
  ],
});

export const retainedProblems = defineMethod({
  name: 'retained.problems',
  retrySafe: true,
  summary: 'Run directories that cannot be (fully) read, each with the file, the field and the reason.',
  description:
    'What the daemon found wrong in the runs directory: files that are torn, garbage, too large or too deep, ' +
    'symlinks or FIFOs in place of files, fields without a default of the wrong shape, directory names no run ' +
    'name can hold, two directories holding one run. Kept current by the same scans as retained.list, plus ' +
    'what the index rebuild at this start found. Such a directory is never fatal: it is left out, and ' +
    'everything else is served. In a cluster, each node answers for its own runs directory: ask the node ' +
    'whose directories you mean (daemon.info lists them).',
  params: RetainedProblemsParams,
  result: RetainedProblemsResult,
  errors: ['list_cursor_invalid'],
  examples: [
    {
      name: 'a torn summary',
      params: {},
      result: {
        problems: [
          {
            dir: '2025-06-01-nightly',
            file: 'retention-summary.json',
            field: null,
            reason: 'not_json',
            message: 'retention-summary.json is not JSON (torn, truncated or garbage)',
          },
        ],
        total: 1,
        nextCursor: null,
      },
    },
  ],
});

export const retainedMethods = [
  retainedList,
  retainedLatest,
  retainedReports,
  retainedArtifactManifest,
  retainedReadArtifact,
  retainedProblems,
] as const;
