// The run record and what a client may ask of a run: status, retry policy, priority, start params.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ActionName, Labels, NO_NUL, Nullable, RunId, StringEnum, Timestamp } from './common.js';
import { withDefaults } from './defaults.js';

export const runStatuses = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'interrupted',
] as const;

export const RunStatus = StringEnum(runStatuses, {
  $id: 'RunStatus',
  description: 'Where a run is in its lifecycle; succeeded, failed, timed_out, cancelled and interrupted are terminal.',
});
export type RunStatus = Static<typeof RunStatus>;

/** Why a run ended the way it did: `error.reason` of its record. The CLI and docs/errors.md use this list. */
export const runErrorReasons = [
  'exit_code',
  'signal',
  'spawn_failed',
  'io_error',
  'timeout',
  'cancelled',
  'daemon_shutdown',
  'daemon_restart',
  'request_lost',
  'run_dir_missing',
  'node_lost',
] as const;

export const RunErrorReason = StringEnum(runErrorReasons, {
  $id: 'RunErrorReason',
  description:
    'exit_code, signal: the process exited with a code other than 0, or was killed by a signal nobody sent ' +
    'it; spawn_failed: it could not be started; io_error: a file of the run could not be written; timeout; ' +
    'cancelled: run.cancel; daemon_shutdown: the daemon stopped gracefully under it; daemon_restart: the ' +
    'daemon died under it; request_lost: its env values were lost with the index; run_dir_missing: its ' +
    'directory could not be continued after a restart; node_lost: the cluster node that ran it died, or lost ' +
    'the database for longer than the dead-node threshold.',
});
export type RunErrorReason = Static<typeof RunErrorReason>;

export const RunError = Type.Object(
  { reason: RunErrorReason, message: Type.String() },
  { $id: 'RunError', additionalProperties: false, description: 'Why a run did not succeed.' },
);
export type RunError = Static<typeof RunError>;

const EnvName = '^[A-Za-z_][A-Za-z0-9_]*$';
// setTimeout cannot hold more than 2^31-1 ms (about 24.8 days).
const MAX_TIMER_MS = 2_147_483_647;

export const RetryPolicy = Type.Object(
  {
    maxAttempts: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'Attempts in all, the first included.' }),
    ),
    initialDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, default: 1_000 })),
    factor: Type.Optional(Type.Number({ minimum: 1, maximum: 10, default: 2, description: 'Delay multiplier per attempt.' })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, default: 60_000 })),
    jitter: Type.Optional(
      StringEnum(['full', 'none'], {
        default: 'full',
        description: '"full": a random delay between 0 and the computed one, so retries of many runs spread out.',
      }),
    ),
    on: Type.Optional(
      Type.Array(StringEnum(['failed', 'timed_out']), {
        uniqueItems: true,
        default: ['failed', 'timed_out'],
        description: 'Outcomes that are retried. A cancelled run is never retried.',
      }),
    ),
  },
  { $id: 'RetryPolicy', additionalProperties: false },
);
export type RetryPolicy = Static<typeof RetryPolicy>;

export const Argv = Type.Array(Type.String({ maxLength: 32_768, pattern: NO_NUL }), {
  minItems: 1,
  maxItems: 4_096,
  description: 'Command and arguments, executed without a shell. argv[0] is a path or a name on PATH.',
});

const Priority = (options: { default?: number; description?: string }) =>
  Type.Integer({
    minimum: -1_000,
    maximum: 1_000,
    description: 'Higher runs first; equal priorities run in the order they were started.',
    ...options,
  });

/** What a run executes and how: shared by run.start and by named actions, which are saved templates of it. */
export const runTemplateFields = {
  cwd: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4_096,
      pattern: NO_NUL,
      description: 'Working directory; relative paths resolve against the run directory (the default).',
    }),
  ),
  env: Type.Optional(
    Type.Record(Type.String({ pattern: EnvName }), Type.String({ maxLength: 131_072, pattern: NO_NUL }), {
      maxProperties: 1_024,
      additionalProperties: false,
      description: "Variables added to the daemon's environment. Only their names are recorded on disk.",
    }),
  ),
  labels: Type.Optional(Labels),
  priority: Type.Optional(Priority({ default: 0 })),
  timeoutMs: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_TIMER_MS,
      description: 'Kill an attempt that runs longer than this; it ends timed_out (and may be retried).',
    }),
  ),
  killGraceMs: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 600_000,
      description: "Time between SIGTERM and SIGKILL on cancel or timeout. Default: the daemon's --kill-grace-ms.",
    }),
  ),
  retry: Type.Optional(RetryPolicy),
};

export const RunStartParams = Type.Object(
  {
    argv: Type.Optional(Argv),
    action: Type.Optional(ActionName),
    ...runTemplateFields,
    // No default here: a request that gives none takes its action's priority (see RunSpec).
    priority: Type.Optional(
      Priority({
        description:
          "Higher runs first; equal priorities run in the order they were started. Default: the action's, else 0.",
      }),
    ),
    outputDir: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4_096,
        pattern: NO_NUL,
        description: 'Run directory to use instead of <runs-dir>/<run-id>; must resolve inside the runs directory.',
      }),
    ),
    overwrite: Type.Optional(
      Type.Boolean({ default: false, description: 'Reuse a non-empty outputDir; its old contents are removed.' }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Starting again with the same key returns the first run instead of starting a second one.',
      }),
    ),
  },
  {
    $id: 'RunStartParams',
    additionalProperties: false,
    description:
      'Give argv, or the name of an action; with an action, the other fields given here override its own ' +
      '(labels and env are merged).',
    // Exactly one of argv and action says what to run.
    oneOf: [{ required: ['argv'] }, { required: ['action'] }],
  },
);
export type RunStartParams = Static<typeof RunStartParams>;

/** What a request leaves to the schema once its action has had its say: filled in by resolveRunSpec. */
const RunSpecDefaults = Type.Object({
  priority: runTemplateFields.priority,
  overwrite: RunStartParams.properties.overwrite,
});

/** A run request with the action resolved: what the store keeps of it. */
export type RunSpec = Omit<RunStartParams, 'action' | 'argv'> & { argv: string[] };

/** A run request with the action resolved and every default applied: what createRun works with. */
export type ResolvedRunSpec = RunSpec & { priority: number; overwrite: boolean };

/** The request with its action's fields merged in, completed with the schema's defaults. */
export const resolveRunSpec = (merged: RunSpec): ResolvedRunSpec =>
  withDefaults<ResolvedRunSpec>(RunSpecDefaults, merged);

export const Progress = Type.Object(
  {
    progress: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Fraction done, 0 to 1.' })),
    message: Nullable(Type.String()),
    at: Timestamp,
  },
  { $id: 'Progress', additionalProperties: false, description: 'The latest progress the run reported on fd 3.' },
);
export type Progress = Static<typeof Progress>;

export const RunRecord = Type.Object(
  {
    runId: RunId,
    status: RunStatus,
    argv: Type.Array(Type.String()),
    cwd: Type.String({
      description:
        "Absolute working directory of the process; '' while the run waits in a cluster's shared queue.",
    }),
    runDir: Type.String({
      description:
        "Absolute path of the run directory; '' while the run waits in a cluster's shared queue, where no node " +
        'has made its directory yet (docs/cluster.md).',
    }),
    nodeId: Type.Optional(
      Type.String({
        description:
          'The node (daemon.info nodeId) that runs or ran it, whose disk holds the run directory. Set on every ' +
          "run a daemon creates, once a node has claimed it when it waits in a cluster's shared queue; absent " +
          'from records written by runyard before it, or by other tools.',
      }),
    ),
    labels: Labels,
    actionId: Nullable(Type.String({ description: 'The action that created the run, if any.' })),
    serviceId: Nullable(Type.String({ description: 'The service that created the run, if any.' })),
    idempotencyKey: Nullable(Type.String()),
    priority: Type.Integer(),
    timeoutMs: Nullable(Type.Integer()),
    attempt: Type.Integer({ minimum: 0, description: 'Number of the current or last attempt; 0 while queued.' }),
    maxAttempts: Type.Integer({ minimum: 1 }),
    nextAttemptAt: Nullable(Timestamp),
    queuePosition: Nullable(
      Type.Integer({
        minimum: 1,
        description:
          "While queued: 1 means next to start (in a cluster's shared queue, next to be claimed). Null otherwise.",
      }),
    ),
    progress: Nullable(Progress),
    createdAt: Timestamp,
    startedAt: Nullable(Timestamp),
    finishedAt: Nullable(Timestamp),
    exitCode: Nullable(Type.Integer()),
    signal: Nullable(Type.String({ description: 'Signal that ended the process, e.g. "SIGTERM".' })),
    error: Nullable(RunError),
  },
  { $id: 'RunRecord', additionalProperties: false },
);
export type RunRecord = Static<typeof RunRecord>;

export const exampleRun: RunRecord = {
  runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  status: 'succeeded',
  argv: ['echo', 'hello'],
  cwd: '/home/me/project/runs/01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  runDir: '/home/me/project/runs/01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  nodeId: '3f0c9a52-6d1e-4b7a-9c2f-8e5d4a1b7c60',
  labels: { suite: 'smoke' },
  actionId: null,
  serviceId: null,
  idempotencyKey: null,
  priority: 0,
  timeoutMs: null,
  attempt: 1,
  maxAttempts: 1,
  nextAttemptAt: null,
  queuePosition: null,
  progress: null,
  createdAt: '2026-11-23T10:00:00.000Z',
  startedAt: '2026-11-23T10:00:00.004Z',
  finishedAt: '2026-11-23T10:00:00.019Z',
  exitCode: 0,
  signal: null,
  error: null,
};
