// The retained.* contract: finished runs served from their run directories, with or without the daemon.
import { Type, type Static } from '@sinclair/typebox';
import {
  Defaulted,
  ErrorInfo,
  Labels,
  Nullable,
  RetainedRunName,
  StringEnum,
  Timestamp,
  type Resolved,
} from './common.js';
import { defineMethod } from './method.js';
import { exampleRun, RunStatus, runStatuses } from './run-record.js';
import { ArtifactEntry, RunDirProblem } from './run-dir.js';

/** Largest chunk retained.readArtifact returns: 1 MiB of bytes, about 1.4 MB as base64. */
export const MAX_READ_BYTES = 1_048_576;

export const retainedStatuses = [...runStatuses, 'incomplete'] as const;

export const RetainedStatus = StringEnum(retainedStatuses, {
  $id: 'RetainedStatus',
  description:
    'The status retention-summary.json records; "incomplete" for a directory that has run.json but no summary.',
});
export type RetainedStatus = Static<typeof RetainedStatus>;

export const RetainedRun = Type.Object(
  {
    // The id its summary (or run.json) records, else its directory: ULIDs for runyard's runs, anything for others.
    runId: RetainedRunName,
    dir: Type.String({
      description: 'The run directory relative to the runs directory: the run id, or the outputDir it chose.',
    }),
    status: RetainedStatus,
    // For an incomplete directory: the last status its run.json recorded; null otherwise.
    recordedStatus: Nullable(RunStatus),
    actionId: Nullable(Type.String({ description: 'The action that created the run, if any.' })),
    serviceId: Nullable(Type.String({ description: 'The service that created the run, if any.' })),
    labels: Labels,
    createdAt: Nullable(Timestamp),
    startedAt: Nullable(Timestamp),
    finishedAt: Nullable(Timestamp),
    durationMs: Nullable(Type.Integer({ minimum: 0 })),
    attempts: Type.Integer({ minimum: 0 }),
    exitCode: Nullable(Type.Integer()),
    signal: Nullable(Type.String()),
    error: Nullable(ErrorInfo),
    schemaVersion: Nullable(Type.Integer({ description: "The summary's schemaVersion; null when it has none." })),
    defaulted: Type.Array(Type.String(), {
      description:
        'Compatibility marker: the fields this directory did not record, which hold their documented ' +
        'defaults (docs/recovery.md). Empty for a directory written by this version.',
    }),
  },
  { $id: 'RetainedRun', additionalProperties: false },
);
export type RetainedRun = Static<typeof RetainedRun>;

const filters = {
  status: Type.Optional(
    Type.Array(RetainedStatus, { minItems: 1, uniqueItems: true, description: 'Any of these.' }),
  ),
  actionId: Type.Optional(
    Nullable(Type.String({ maxLength: 256, description: 'Only runs of this action; null: runs of no action.' })),
  ),
  serviceId: Type.Optional(
    Nullable(Type.String({ maxLength: 256, description: 'Only runs of this service; null: runs of no service.' })),
  ),
  // labels: all of them; since: finished at or after; until: finished before.
  labels: Type.Optional(Labels),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
};

export const RetainedLatestParams = Type.Object(filters, {
  $id: 'RetainedLatestParams',
  additionalProperties: false,
});
export type RetainedLatestParams = Static<typeof RetainedLatestParams>;

export const RetainedListParams = Type.Object(
  {
    ...filters,
    includePartial: Defaulted(
      Type.Boolean({
        default: false,
        description: 'Also list directories with run.json but no retention-summary.json, as status incomplete.',
      }),
    ),
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1_000, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
  },
  { $id: 'RetainedListParams', additionalProperties: false },
);
/** As the handler receives them: the schema's defaults filled in. */
export type RetainedListParams = Resolved<typeof RetainedListParams>;

export const RetainedListResult = Type.Object(
  {
    runs: Type.Array(RetainedRun),
    nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last.' })),
    skipped: Type.Integer({
      minimum: 0,
      description: 'Directories in the whole runs directory whose summary (or run.json) could not be read.',
    }),
    incomplete: Type.Integer({
      minimum: 0,
      description: 'Directories in the whole runs directory with run.json but no summary (see includePartial).',
    }),
  },
  { $id: 'RetainedListResult', additionalProperties: false },
);
export type RetainedListResult = Static<typeof RetainedListResult>;

export const RetainedRunRef = Type.Object(
  {
    runId: Type.String({
      maxLength: RetainedRunName.maxLength,
      description:
        'The run: its id, or its directory relative to the runs directory. 1-8 "/"-separated parts of 1-255 ' +
        'characters, none starting with "."; no NUL, control characters or backslashes. Anything else is ' +
        'refused with run_id_invalid.',
    }),
  },
  { additionalProperties: false },
);

const Source = StringEnum(['recorded', 'generated'], {
  description:
    '"recorded": read from what the daemon wrote when the run finished; "generated": computed now because ' +
    'the directory lacks that record (an older or partial directory), which is left unmodified.',
});

export const RetainedReport = Type.Object(
  {
    path: Type.String({ description: 'Relative to the run directory, e.g. "reports/report.md".' }),
    size: Type.Integer({ minimum: 0 }),
    mediaType: Type.String(),
  },
  { $id: 'RetainedReport', additionalProperties: false },
);
export type RetainedReport = Static<typeof RetainedReport>;

export const RetainedReportsResult = Type.Object(
  {
    runId: RetainedRunName,
    source: Source,
    reports: Type.Array(RetainedReport, { description: 'Sorted by path.' }),
    omitted: Type.Integer({
      minimum: 0,
      description: 'Recorded reports left out: missing now, not a regular file, or a path that breaks a path rule.',
    }),
  },
  { $id: 'RetainedReportsResult', additionalProperties: false },
);
export type RetainedReportsResult = Static<typeof RetainedReportsResult>;

export const RetainedArtifactManifest = Type.Object(
  {
    runId: RetainedRunName,
    source: Source,
    // When the recorded manifest was written; null when generated.
    createdAt: Nullable(Timestamp),
    artifacts: Type.Array(ArtifactEntry, { description: 'Sorted by path.' }),
    omitted: Type.Integer({
      minimum: 0,
      description: 'Entries of the recorded manifest left out because they are malformed or break a path rule.',
    }),
  },
  { $id: 'RetainedArtifactManifest', additionalProperties: false },
);
export type RetainedArtifactManifest = Static<typeof RetainedArtifactManifest>;

export const RetainedReadParams = Type.Object(
  {
    runId: RetainedRunRef.properties.runId,
    path: Type.String({
      minLength: 1,
      maxLength: 4_096,
      description: 'Relative to the run directory, under reports/ or artifacts/, e.g. "reports/report.md".',
    }),
    offset: Defaulted(Type.Integer({ minimum: 0, default: 0 })),
    length: Defaulted(
      Type.Integer({ minimum: 1, maximum: MAX_READ_BYTES, default: MAX_READ_BYTES, description: 'At most 1 MiB.' }),
    ),
  },
  { $id: 'RetainedReadParams', additionalProperties: false },
);
export type RetainedReadParams = Resolved<typeof RetainedReadParams>;

export const RetainedChunk = Type.Object(
  {
    runId: RetainedRunName,
    path: Type.String(),
    mediaType: Type.String(),
    size: Type.Integer({ minimum: 0, description: 'Bytes in the whole file.' }),
    offset: Type.Integer({ minimum: 0 }),
    length: Type.Integer({ minimum: 0, description: 'Bytes in data.' }),
    nextOffset: Type.Integer({ minimum: 0, description: 'offset + length: where the next read starts.' }),
    eof: Type.Boolean({ description: 'True when nextOffset is the end of the file.' }),
    data: Type.String({ contentEncoding: 'base64', description: 'The bytes, base64-encoded.' }),
  },
  { $id: 'RetainedChunk', additionalProperties: false },
);
export type RetainedChunk = Static<typeof RetainedChunk>;

export const RetainedProblemsParams = Type.Object(
  {
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1_000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 16_384, description: 'nextCursor of the previous page.' })),
  },
  { $id: 'RetainedProblemsParams', additionalProperties: false },
);
export type RetainedProblemsParams = Resolved<typeof RetainedProblemsParams>;

export const RetainedProblemsResult = Type.Object(
  {
    problems: Type.Array(RunDirProblem, { description: 'Sorted by directory, then file.' }),
    total: Type.Integer({ minimum: 0, description: 'Problems in the whole runs directory.' }),
    nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last.' })),
  },
  { $id: 'RetainedProblemsResult', additionalProperties: false },
);
export type RetainedProblemsResult = Static<typeof RetainedProblemsResult>;

export const exampleRetainedRun: RetainedRun = {
  runId: exampleRun.runId,
  dir: exampleRun.runId,
  status: 'succeeded',
  recordedStatus: null,
  actionId: null,
  serviceId: null,
  labels: { suite: 'smoke' },
  createdAt: '2026-11-23T10:00:00.000Z',
  startedAt: '2026-11-23T10:00:00.004Z',
  finishedAt: '2026-11-23T10:00:00.019Z',
  durationMs: 15,
  attempts: 1,
  exitCode: 0,
  signal: null,
  error: null,
  schemaVersion: 1,
  defaulted: [],
};

const runErrors = ['run_id_invalid', 'retained_run_not_found', 'path_outside_runs_dir'] as const;

export const retainedList = defineMethod({
  name: 'retained.list',
  retrySafe: true,
  summary: 'Retained runs newest first (by finish time), filtered, one page at a time.',
  description:
    'Filters combine: status (any of), actionId, serviceId, labels (all of), since (finished at or after), ' +
    'until (finished before). Answered from an in-memory index of the run directories, which the daemon ' +
    'builds at start-up and keeps current as runs finish and as other processes add or remove directories.',
  params: RetainedListParams,
  result: RetainedListResult,
  errors: ['list_cursor_invalid'],
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
  description: 'Takes the filters of retained.list; incomplete directories are never the latest.',
  params: RetainedLatestParams,
  result: Nullable(RetainedRun),
  errors: [],
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
  errors: [...runErrors, 'path_symlink_escape'],
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
  errors: [...runErrors, 'path_symlink_escape'],
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
  summary: 'Bytes of one report or artifact, base64, at most 1 MiB per call; read on from nextOffset until eof.',
  description:
    'Serves regular files under reports/ and artifacts/ only. The path is checked before the disk is touched ' +
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
    'everything else is served.',
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
