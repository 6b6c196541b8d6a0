// Schemas of the files in a run directory (see docs/protocol.md#the-run-directory), and of what is wrong with one.
import * as Type from '@sinclair/typebox';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import { ErrorInfo, Labels, Nullable, RetainedRunName, RunId, StringEnum, Timestamp } from './common.js';
import { withDefaults } from './defaults.js';
import { RetryPolicy, RunRecord, RunStatus, runStatuses } from './run-record.js';
import { StoredRunEvent } from './run-event.js';

/** Bumped when a file's shape changes incompatibly; readers keep accepting older versions. */
export const RUN_DIR_SCHEMA_VERSION = 1;

/**
 * The shape a reader checks a file against, field by field. Unknown fields are allowed (other
 * producers and newer versions add their own); a field of the wrong shape is left out and gets its
 * documented default, exactly as if it were missing.
 */
const fileSchema = <T extends TProperties>(properties: T, id: string): TObject<T> =>
  Type.Object(properties, { $id: id });

export const ArtifactEntry = Type.Object(
  {
    path: Type.String({ description: 'Relative to the run directory, e.g. "artifacts/out/data.bin".' }),
    size: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    mediaType: Type.String(),
  },
  { $id: 'ArtifactEntry', additionalProperties: false },
);
export type ArtifactEntry = Static<typeof ArtifactEntry>;

export const ArtifactManifest = fileSchema(
  {
    schemaVersion: Type.Integer(),
    runId: RetainedRunName,
    createdAt: Timestamp,
    // Entries are judged one by one (a bad one is omitted, the rest served), so any array passes here.
    artifacts: Type.Array(Type.Unknown()),
  },
  'ArtifactManifestFile',
);
export type ArtifactManifest = Omit<Static<typeof ArtifactManifest>, 'artifacts'> & { artifacts: ArtifactEntry[] };

export const AttemptRecord = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    pid: Nullable(Type.Integer()),
    startedAt: Timestamp,
    finishedAt: Nullable(Timestamp),
    exitCode: Nullable(Type.Integer()),
    signal: Nullable(Type.String()),
    outcome: Nullable(RunStatus),
  },
  { $id: 'AttemptRecord', additionalProperties: false },
);
export type AttemptRecord = Static<typeof AttemptRecord>;

export const terminalStatuses = runStatuses.filter(
  (status) => !['queued', 'running', 'retrying'].includes(status),
) as readonly ('succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'interrupted')[];

export const RetentionSummary = fileSchema(
  {
    schemaVersion: Type.Integer({ minimum: 0 }),
    runId: RetainedRunName,
    // A summary is written when a run has finished, so it never records an unfinished status.
    status: StringEnum(terminalStatuses),
    actionId: Nullable(Type.String()),
    serviceId: Nullable(Type.String()),
    labels: Labels,
    createdAt: Timestamp,
    startedAt: Nullable(Timestamp),
    finishedAt: Timestamp,
    durationMs: Nullable(Type.Integer({ minimum: 0 })),
    attempts: Type.Integer({ minimum: 0 }),
    exitCode: Nullable(Type.Integer()),
    signal: Nullable(Type.String()),
    error: Nullable(ErrorInfo),
    reports: Type.Array(Type.String()),
    artifactManifest: Type.String(),
  },
  'RetentionSummaryFile',
);
export type RetentionSummary = Static<typeof RetentionSummary>;

/** The retry policy with every default applied: what plan.json records and the engine follows. */
export const ResolvedRetry = Type.Required(RetryPolicy, { $id: 'ResolvedRetry' });
export type ResolvedRetry = Static<typeof ResolvedRetry>;

/** The policy of a run that asked for none: the defaults RetryPolicy declares, taken from the schema alone. */
export const DEFAULT_RETRY: ResolvedRetry = Object.freeze(withDefaults<ResolvedRetry>(ResolvedRetry, {}));

/** plan.json: what is executed. Environment variable names only, never their values. */
export const RunPlan = fileSchema(
  {
    schemaVersion: Type.Integer({ minimum: 0 }),
    runId: RunId,
    argv: Type.Array(Type.String(), { minItems: 1 }),
    command: Type.String({ minLength: 1 }),
    cwd: Type.String({ minLength: 1 }),
    envNames: Type.Array(Type.String()),
    timeoutMs: Nullable(Type.Integer({ minimum: 1 })),
    killGraceMs: Type.Integer({ minimum: 0 }),
    retry: ResolvedRetry,
    priority: Type.Integer(),
    actionId: Nullable(Type.String()),
    serviceId: Nullable(Type.String()),
    labels: Labels,
  },
  'RunPlanFile',
);
export type RunPlan = Static<typeof RunPlan>;

/** run.json: the run record as of its last change, with the attempts so far. */
export const RunJson = fileSchema(
  {
    schemaVersion: Type.Integer({ minimum: 0 }),
    ...RunRecord.properties,
    // Another producer's partial directory may name its run its own way; only runyard's are ULIDs.
    runId: RetainedRunName,
    attempts: Type.Array(AttemptRecord),
  },
  'RunJsonFile',
);
export type RunJson = Static<typeof RunJson>;

/** One line of events.jsonl: an event, output events without their bytes (those are in logs/). */
export const EventLine = StoredRunEvent;

/**
 * Largest file of each kind a reader parses. Files of runyard's own are far smaller (a run.json is
 * bounded by the 1 MiB request that created it); a larger one is another producer's, or garbage,
 * and parsing it would cost the daemon its memory.
 */
export const runFileLimits = {
  json: 16 * 1_048_576,
  manifest: 64 * 1_048_576,
  eventLine: 1_048_576,
  depth: 64,
} as const;

export const runDirProblemReasons = [
  'unreadable',
  'missing_file',
  'not_regular_file',
  'symlink',
  'outside_runs_dir',
  'too_large',
  'too_deep',
  'not_json',
  'not_object',
  'invalid_field',
  'name_not_utf8',
  'name_not_accepted',
  'duplicate_run',
] as const;

export const RunDirProblem = Type.Object(
  {
    dir: Type.String({
      description: 'The directory relative to the runs directory; bytes that are not UTF-8 are shown as \\xNN.',
    }),
    file: Nullable(Type.String({ description: 'The file within it, e.g. "run.json"; null for the directory itself.' })),
    field: Nullable(Type.String({ description: 'The field of that file, when one field is the problem.' })),
    reason: StringEnum(runDirProblemReasons, {
      description:
        'unreadable: the file or directory could not be read; missing_file: a file the directory needs is not ' +
        'there (plan.json of an unfinished run); not_regular_file: a FIFO, socket, device or ' +
        'directory in place of a file; symlink: a symlink in place of a file (never followed); ' +
        'outside_runs_dir: it resolves outside the runs directory; too_large, too_deep: above the documented ' +
        'limits; not_json, not_object: not a JSON object; invalid_field: a field without a default has the ' +
        'wrong shape; name_not_utf8, name_not_accepted: the directory cannot be named by a run name; ' +
        'duplicate_run: another directory holds the same run and stands for it.',
    }),
    message: Type.String(),
  },
  { $id: 'RunDirProblem', additionalProperties: false },
);
export type RunDirProblem = Static<typeof RunDirProblem>;
export type RunDirProblemReason = RunDirProblem['reason'];
