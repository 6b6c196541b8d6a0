// The run.* contract: the run record and the methods that start, inspect, wait for and stop runs.
import { Type, type Static } from '@sinclair/typebox';
import { defineMethod } from './method.js';
import { ErrorInfo, Labels, Nullable, RunId, Timestamp } from './common.js';

export const RunStatus = Type.Union(
  [
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('retrying'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('timed_out'),
    Type.Literal('cancelled'),
    Type.Literal('interrupted'),
  ],
  { $id: 'RunStatus', description: 'Where a run is in its lifecycle; the last five are terminal.' },
);
export type RunStatus = Static<typeof RunStatus>;

const EnvName = '^[A-Za-z_][A-Za-z0-9_]*$';
// setTimeout cannot hold more than 2^31-1 ms (about 24.8 days).
const MAX_TIMER_MS = 2_147_483_647;

export const RunStartParams = Type.Object(
  {
    argv: Type.Array(Type.String({ maxLength: 32_768 }), {
      minItems: 1,
      maxItems: 4_096,
      description: 'Command and arguments, executed without a shell. argv[0] is a path or a name on PATH.',
    }),
    cwd: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4_096,
        description: 'Working directory; relative paths resolve against the run directory (the default).',
      }),
    ),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: EnvName }), Type.String({ maxLength: 131_072 }), {
        maxProperties: 1_024,
        description: "Variables added to the daemon's environment. Only their names are recorded on disk.",
      }),
    ),
    labels: Type.Optional(Labels),
    outputDir: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4_096,
        description: 'Run directory to use instead of <runs-dir>/<run-id>; must resolve inside the runs directory.',
      }),
    ),
    overwrite: Type.Optional(
      Type.Boolean({ default: false, description: 'Reuse a non-empty outputDir; its old contents are removed.' }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, description: 'Kill the run and end it timed_out after this long.' }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Starting again with the same key returns the first run instead of starting a second one.',
      }),
    ),
  },
  { $id: 'RunStartParams', additionalProperties: false },
);
export type RunStartParams = Static<typeof RunStartParams>;

export const RunRecord = Type.Object(
  {
    runId: RunId,
    status: RunStatus,
    argv: Type.Array(Type.String()),
    cwd: Type.String({ description: 'Absolute working directory of the process.' }),
    runDir: Type.String({ description: 'Absolute path of the run directory.' }),
    labels: Labels,
    actionId: Nullable(Type.String({ description: 'The action that created the run, if any.' })),
    serviceId: Nullable(Type.String({ description: 'The service that created the run, if any.' })),
    idempotencyKey: Nullable(Type.String()),
    timeoutMs: Nullable(Type.Integer()),
    attempt: Type.Integer({ minimum: 0, description: 'Number of the current or last attempt; 0 while queued.' }),
    createdAt: Timestamp,
    startedAt: Nullable(Timestamp),
    finishedAt: Nullable(Timestamp),
    exitCode: Nullable(Type.Integer()),
    signal: Nullable(Type.String({ description: 'Signal that ended the process, e.g. "SIGTERM".' })),
    error: Nullable(ErrorInfo),
  },
  { $id: 'RunRecord', additionalProperties: false },
);
export type RunRecord = Static<typeof RunRecord>;

const RunRef = Type.Object({ runId: RunId }, { additionalProperties: false });

const exampleRun: RunRecord = {
  runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  status: 'succeeded',
  argv: ['echo', 'hello'],
  cwd: '/home/me/project/runs/01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  runDir: '/home/me/project/runs/01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  labels: { suite: 'smoke' },
  actionId: null,
  serviceId: null,
  idempotencyKey: null,
  timeoutMs: null,
  attempt: 1,
  createdAt: '2026-11-23T10:00:00.000Z',
  startedAt: '2026-11-23T10:00:00.004Z',
  finishedAt: '2026-11-23T10:00:00.019Z',
  exitCode: 0,
  signal: null,
  error: null,
};

export const runStart = defineMethod({
  name: 'run.start',
  summary: 'Queue a command as a new run and return its record at once (status queued or running).',
  description:
    'The command runs without a shell as a child process in its own process group, inside its run ' +
    'directory, with RUNYARD_RUN_ID, RUNYARD_RUN_DIR, RUNYARD_REPORTS_DIR and RUNYARD_ARTIFACTS_DIR set.',
  params: RunStartParams,
  result: RunRecord,
  errors: [
    'command_not_found',
    'cwd_not_found',
    'path_outside_runs_dir',
    'output_dir_not_empty',
    'output_dir_busy',
    'run_dir_failed',
  ],
  examples: [
    {
      name: 'echo into a fresh run directory',
      params: { argv: ['echo', 'hello'], labels: { suite: 'smoke' } },
      result: { ...exampleRun, status: 'running', finishedAt: null, exitCode: null },
    },
  ],
});

export const runStatus = defineMethod({
  name: 'run.status',
  summary: 'The current record of one run.',
  params: RunRef,
  result: RunRecord,
  errors: ['run_not_found'],
  examples: [{ name: 'a finished run', params: { runId: exampleRun.runId }, result: exampleRun }],
});

export const RunListParams = Type.Object(
  {
    status: Type.Optional(Type.Array(RunStatus, { minItems: 1, uniqueItems: true, description: 'Any of these.' })),
    labels: Type.Optional(Labels),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, default: 50 })),
    cursor: Type.Optional(
      Type.String({ pattern: RunId.pattern, description: 'nextCursor of the previous page.' }),
    ),
  },
  { $id: 'RunListParams', additionalProperties: false },
);
export type RunListParams = Static<typeof RunListParams>;

export const RunListResult = Type.Object(
  {
    runs: Type.Array(RunRecord),
    nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last.' })),
  },
  { $id: 'RunListResult', additionalProperties: false },
);
export type RunListResult = Static<typeof RunListResult>;

export const runList = defineMethod({
  name: 'run.list',
  summary: 'Runs newest first, filtered by status and labels, one page at a time.',
  params: RunListParams,
  result: RunListResult,
  errors: [],
  examples: [
    {
      name: 'finished smoke runs',
      params: { status: ['succeeded', 'failed'], labels: { suite: 'smoke' }, limit: 10 },
      result: { runs: [exampleRun], nextCursor: null },
    },
  ],
});

export const runCancel = defineMethod({
  name: 'run.cancel',
  summary: 'Cancel a queued or running run; a finished run is returned unchanged.',
  description:
    'A queued run never starts. A running one gets SIGTERM on its whole process group, then SIGKILL after ' +
    'a grace period. The answer comes when the run has ended and its directory is complete.',
  params: RunRef,
  result: RunRecord,
  errors: ['run_not_found'],
  examples: [
    {
      name: 'cancel a running sleep',
      params: { runId: exampleRun.runId },
      result: {
        ...exampleRun,
        argv: ['sleep', '60'],
        status: 'cancelled',
        exitCode: null,
        signal: 'SIGTERM',
        error: { reason: 'cancelled', message: 'cancelled by a client' },
      },
    },
  ],
});

export const runWait = defineMethod({
  name: 'run.wait',
  summary: 'Wait until a run is finished or timeoutMs passes, then return its record.',
  description: 'Check status in the answer: it is still active when the wait timed out.',
  params: Type.Object(
    {
      runId: RunId,
      timeoutMs: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000, description: 'At most one hour.' }),
      ),
    },
    { additionalProperties: false },
  ),
  result: RunRecord,
  errors: ['run_not_found'],
  holdsFor: 'timeoutMs',
  examples: [{ name: 'wait up to 5 s', params: { runId: exampleRun.runId, timeoutMs: 5_000 }, result: exampleRun }],
});

export const RunLogsResult = Type.Object(
  {
    text: Type.String({ description: 'UTF-8 text; never splits a multi-byte character.' }),
    offset: Type.Integer({ minimum: 0 }),
    nextOffset: Type.Integer({ minimum: 0, description: 'Byte offset to ask for next.' }),
    size: Type.Integer({ minimum: 0, description: 'Bytes in the log so far.' }),
    eof: Type.Boolean({ description: 'True when the run is finished and nextOffset is the end of the log.' }),
  },
  { $id: 'RunLogsResult', additionalProperties: false },
);
export type RunLogsResult = Static<typeof RunLogsResult>;

export const runLogs = defineMethod({
  name: 'run.logs',
  summary: "A byte range of a run's stdout or stderr log.",
  params: Type.Object(
    {
      runId: RunId,
      stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr')], { default: 'stdout' })),
      offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_048_576, default: 65_536 })),
    },
    { additionalProperties: false },
  ),
  result: RunLogsResult,
  errors: ['run_not_found'],
  examples: [
    {
      name: 'the whole stdout of a short run',
      params: { runId: exampleRun.runId, stream: 'stdout', offset: 0 },
      result: { text: 'hello\n', offset: 0, nextOffset: 6, size: 6, eof: true },
    },
  ],
});

export const runMethods = [runStart, runStatus, runList, runCancel, runWait, runLogs] as const;
