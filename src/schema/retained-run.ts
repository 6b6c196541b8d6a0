// What a retained run is on the wire: its status, its record, how a request names it, and an example.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ErrorInfo, Labels, Nullable, RetainedRunName, StringEnum, Timestamp } from './common.js';
import { exampleRun, RunStatus, runStatuses } from './run-record.js';

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
