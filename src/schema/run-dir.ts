// Schemas of the files the daemon writes into a run directory (see docs/protocol.md#the-run-directory).
import { Type, type Static } from '@sinclair/typebox';
import { ErrorInfo, Labels, Nullable, RunId, Timestamp } from './common.js';
import { RunStatus } from './run.js';

/** Bumped when a file's shape changes incompatibly; readers keep accepting older versions. */
export const RUN_DIR_SCHEMA_VERSION = 1;

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

export const ArtifactManifest = Type.Object({
  schemaVersion: Type.Integer(),
  runId: RunId,
  createdAt: Timestamp,
  artifacts: Type.Array(ArtifactEntry),
});
export type ArtifactManifest = Static<typeof ArtifactManifest>;

export const AttemptRecord = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  pid: Nullable(Type.Integer()),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  exitCode: Nullable(Type.Integer()),
  signal: Nullable(Type.String()),
  outcome: Nullable(RunStatus),
});
export type AttemptRecord = Static<typeof AttemptRecord>;

export const RetentionSummary = Type.Object({
  schemaVersion: Type.Integer(),
  runId: RunId,
  status: RunStatus,
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
});
export type RetentionSummary = Static<typeof RetentionSummary>;
