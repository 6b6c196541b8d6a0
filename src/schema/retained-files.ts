// The files of a retained run on the wire: its reports, its artifact manifest, and chunks read from either.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Defaulted, Nullable, RetainedRunName, StringEnum, Timestamp, type Resolved } from './common.js';
import { RetainedRunRef } from './retained-run.js';
import { ArtifactEntry } from './run-dir.js';

/** Largest chunk retained.readArtifact returns: 1 MiB of bytes, about 1.4 MB as base64. */
export const MAX_READ_BYTES = 1_048_576;

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
      description: 'Relative to the run directory, under reports/, artifacts/ or logs/, e.g. "reports/report.md".',
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
