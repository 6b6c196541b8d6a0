// The run.* contract: the run record and the methods that start, inspect, wait for and stop runs.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Defaulted, Labels, Nullable, RunId, StringEnum, type Resolved } from './common.js';
import { defineMethod } from './method.js';
import { exampleRun, RunRecord, RunStartParams, RunStatus } from './run-record.js';

export { RunRecord, RunStartParams, RunStatus, type RunSpec } from './run-record.js';

const RunRef = Type.Object({ runId: RunId }, { additionalProperties: false });


export const runStart = defineMethod({
  name: 'run.start',
  summary: 'Queue a command as a new run and return its record at once (status queued or running).',
  description:
    'The command runs without a shell as a child process in its own process group, inside its run ' +
    'directory, with RUNYARD_RUN_ID, RUNYARD_RUN_DIR, RUNYARD_REPORTS_DIR, RUNYARD_ARTIFACTS_DIR and ' +
    'RUNYARD_ATTEMPT set. Nothing is created when the request is refused.',
  params: RunStartParams,
  result: RunRecord,
  retrySafe: 'idempotencyKey',
  errors: [
    'action_not_found',
    'command_not_found',
    'cwd_not_found',
    'path_outside_runs_dir',
    'output_dir_not_empty',
    'output_dir_busy',
    'run_dir_failed',
    'index_failed',
    'store_unavailable',
    'queue_full',
    'daemon_shutting_down',
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
  retrySafe: true,
  summary: 'The current record of one run.',
  params: RunRef,
  result: RunRecord,
  errors: ['run_not_found', 'store_unavailable'],
  examples: [{ name: 'a finished run', params: { runId: exampleRun.runId }, result: exampleRun }],
});

export const RunListParams = Type.Object(
  {
    status: Type.Optional(Type.Array(RunStatus, { minItems: 1, uniqueItems: true, description: 'Any of these.' })),
    labels: Type.Optional(Labels),
    actionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Runs this action created.' })),
    serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Runs this service created.' })),
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Runs where this text is a substring of the run id, of the argv joined by spaces, or of a label as ' +
          '`key=value`. Only ASCII letters fold case (`A` matches `a`, `É` does not match `é`).',
      }),
    ),
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1_000, default: 50 })),
    cursor: Type.Optional(
      Type.String({ pattern: RunId.pattern, description: 'nextCursor of the previous page.' }),
    ),
  },
  { $id: 'RunListParams', additionalProperties: false },
);
/** As the handler receives them: the schema's defaults filled in. */
export type RunListParams = Resolved<typeof RunListParams>;

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
  retrySafe: true,
  summary: 'Runs newest first, filtered by status, labels and text, one page at a time.',
  params: RunListParams,
  result: RunListResult,
  errors: ['store_unavailable'],
  examples: [
    {
      name: 'finished smoke runs',
      params: { status: ['succeeded', 'failed'], labels: { suite: 'smoke' }, limit: 10 },
      result: { runs: [exampleRun], nextCursor: null },
    },
    {
      name: 'failed runs whose command mentions pytest',
      params: { status: ['failed'], text: 'pytest', limit: 10 },
      result: { runs: [{ ...exampleRun, argv: ['pytest', '-x'], status: 'failed', exitCode: 1 }], nextCursor: null },
    },
  ],
});

export const runCancel = defineMethod({
  name: 'run.cancel',
  retrySafe: true,
  summary: 'Cancel a queued, running or retrying run; a finished run is returned unchanged.',
  description:
    'A queued run never starts; a retrying one drops its pending retry. A running one gets SIGTERM on its ' +
    'whole process group, then SIGKILL after ' +
    'a grace period. The answer comes when the run has ended and its directory is complete.',
  params: RunRef,
  result: RunRecord,
  errors: ['run_not_found', 'node_unavailable', 'store_unavailable'],
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
  retrySafe: true,
  summary: 'Wait until a run is finished or timeoutMs passes, then return its record.',
  description: 'Check status in the answer: it is still active when the wait timed out.',
  params: Type.Object(
    {
      runId: RunId,
      timeoutMs: Defaulted(
        Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000, description: 'At most one hour.' }),
      ),
    },
    { additionalProperties: false },
  ),
  result: RunRecord,
  errors: ['run_not_found', 'store_unavailable'],
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
  retrySafe: true,
  summary: "A byte range of a run's stdout or stderr log.",
  params: Type.Object(
    {
      runId: RunId,
      stream: Defaulted(StringEnum(['stdout', 'stderr'], { default: 'stdout' })),
      offset: Defaulted(Type.Integer({ minimum: 0, default: 0 })),
      limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1_048_576, default: 65_536 })),
    },
    { additionalProperties: false },
  ),
  result: RunLogsResult,
  errors: ['run_not_found', 'node_unavailable'],
  examples: [
    {
      name: 'the whole stdout of a short run',
      params: { runId: exampleRun.runId, stream: 'stdout', offset: 0 },
      result: { text: 'hello\n', offset: 0, nextOffset: 6, size: 6, eof: true },
    },
  ],
});

export const runMethods = [runStart, runStatus, runList, runCancel, runWait, runLogs] as const;
