// The run event log on the wire: event shapes, subscriptions, and the notifications the daemon pushes.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Defaulted, Nullable, RunId, StringEnum, Timestamp } from './common.js';
import { defineMethod, defineNotification } from './method.js';
import { RunStatus } from './run-record.js';

const Seq = Type.Integer({ minimum: 1, description: "Position in the run's event log: 1, 2, 3 ... without gaps." });
const eventHead = { seq: Seq, time: Timestamp };
const OutputStream = StringEnum(['stdout', 'stderr']);

const StatusEvent = Type.Object(
  {
    ...eventHead,
    type: Type.Literal('status'),
    status: RunStatus,
    reason: Type.Optional(Type.String({ description: 'error.reason of a run that ended badly.' })),
    nextAttemptAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
const AttemptEvent = Type.Object(
  {
    ...eventHead,
    type: Type.Literal('attempt'),
    attempt: Type.Integer({ minimum: 1 }),
    phase: StringEnum(['start', 'end']),
    pid: Type.Optional(Nullable(Type.Integer())),
    exitCode: Type.Optional(Nullable(Type.Integer())),
    signal: Type.Optional(Nullable(Type.String())),
    outcome: Type.Optional(RunStatus),
    stdoutOffset: Type.Integer({ minimum: 0, description: 'Size of logs/stdout.log at this boundary.' }),
    stderrOffset: Type.Integer({ minimum: 0, description: 'Size of logs/stderr.log at this boundary.' }),
  },
  { additionalProperties: false },
);
const ProgressEvent = Type.Object(
  {
    ...eventHead,
    type: Type.Literal('progress'),
    progress: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    message: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
const outputFields = {
  ...eventHead,
  type: Type.Literal('output'),
  stream: OutputStream,
  offset: Type.Integer({ minimum: 0, description: 'Byte offset of this chunk in its log file.' }),
  length: Type.Integer({ minimum: 0, description: 'Bytes in this chunk.' }),
};
const OutputEvent = Type.Object(
  {
    ...outputFields,
    text: Type.String({ description: 'The chunk as UTF-8; chunks never split a character.' }),
  },
  { additionalProperties: false },
);
const NoteEvent = Type.Object(
  { ...eventHead, type: Type.Literal('note'), message: Type.String() },
  { additionalProperties: false, description: 'Something the daemon wants on record, e.g. unreadable fd 3 input.' },
);
const EndEvent = Type.Object(
  { ...eventHead, type: Type.Literal('end'), status: RunStatus },
  { additionalProperties: false, description: 'The last event of a finished run; nothing follows it.' },
);

export const RunEvent = Type.Union([StatusEvent, AttemptEvent, ProgressEvent, OutputEvent, NoteEvent, EndEvent], {
  $id: 'RunEvent',
});
export type RunEvent = Static<typeof RunEvent>;

/** An event as a line of events.jsonl holds it: output events name their bytes in logs/ instead of carrying them. */
export const StoredRunEvent = Type.Union([
  StatusEvent,
  AttemptEvent,
  ProgressEvent,
  Type.Object(outputFields, { additionalProperties: false }),
  NoteEvent,
  EndEvent,
]);
export type StoredRunEvent = Static<typeof StoredRunEvent>;

const SubscriptionId = Type.String({ minLength: 1, maxLength: 64, description: 'Unique within the connection.' });

export const runSubscribe = defineMethod({
  name: 'run.subscribe',
  summary: "Stream one run's events (replayed from fromSeq, then live), or status events of all runs.",
  description:
    'With runId: events with seq >= fromSeq are replayed from disk, then followed live, with no gap and no ' +
    'duplicate, as run.event notifications; the stream ends after the end event. Without runId: status events of ' +
    'every run as they happen. At most 1024 subscriptions per connection; they end with the connection.',
  params: Type.Object(
    {
      runId: Type.Optional(RunId),
      fromSeq: Type.Optional(
        Type.Integer({ minimum: 1, description: 'With runId: first seq to deliver. Default: only new events.' }),
      ),
      outputFrames: Type.Optional(
        StringEnum(['json', 'binary'], {
          description:
            'How output events arrive. json (the default): run.event notifications with text. binary: each ' +
            'output event is one binary WebSocket message, a 4-byte big-endian length, that many bytes of ' +
            'UTF-8 JSON (the run.event params, the event without text), then the raw bytes of the chunk; ' +
            'every other event stays a run.event notification, in the same order.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      subscriptionId: SubscriptionId,
      nextSeq: Type.Integer({ minimum: 1, description: 'Seq of the first event this subscription delivers.' }),
    },
    { $id: 'RunSubscription', additionalProperties: false },
  ),
  errors: ['run_not_found', 'seq_not_available', 'too_many_subscriptions', 'node_unavailable'],
  retrySafe: true,
  examples: [
    {
      name: 'follow a run from its first event',
      params: { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE', fromSeq: 1 },
      result: { subscriptionId: 's1', nextSeq: 1 },
    },
  ],
});

export const runUnsubscribe = defineMethod({
  name: 'run.unsubscribe',
  summary: 'Stop a subscription of this connection; answers whether it was still active.',
  params: Type.Object({ subscriptionId: SubscriptionId }, { additionalProperties: false }),
  result: Type.Object({ unsubscribed: Type.Boolean() }, { additionalProperties: false }),
  errors: [],
  retrySafe: true,
  examples: [{ name: 'stop following', params: { subscriptionId: 's1' }, result: { unsubscribed: true } }],
});

export const RunEventsResult = Type.Object(
  {
    events: Type.Array(RunEvent),
    nextSeq: Type.Integer({ minimum: 1, description: 'Ask for this seq next.' }),
    end: Type.Boolean({ description: 'True when the last event returned is the end event.' }),
  },
  { $id: 'RunEventsResult', additionalProperties: false },
);
export type RunEventsResult = Static<typeof RunEventsResult>;

export const runEvents = defineMethod({
  name: 'run.events',
  summary: "A page of a run's event log, for catching up after a run.gap without a subscription.",
  description:
    'A page holds limit events, or fewer once their output text passes 8 MiB: ask again from nextSeq until end ' +
    'is true. A page costs what it returns, wherever it starts in the log.',
  params: Type.Object(
    {
      runId: RunId,
      fromSeq: Defaulted(Type.Integer({ minimum: 1, default: 1 })),
      limit: Defaulted(Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })),
    },
    { additionalProperties: false },
  ),
  result: RunEventsResult,
  errors: ['run_not_found', 'seq_not_available', 'node_unavailable'],
  retrySafe: true,
  examples: [
    {
      name: 'the first events of a run',
      params: { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE', fromSeq: 1, limit: 2 },
      result: {
        events: [
          { seq: 1, time: '2026-11-23T10:00:00.000Z', type: 'status', status: 'queued' },
          { seq: 2, time: '2026-11-23T10:00:00.004Z', type: 'status', status: 'running' },
        ],
        nextSeq: 3,
        end: false,
      },
    },
  ],
});

export const runEventNotification = defineNotification({
  name: 'run.event',
  summary: 'One event of a subscription, pushed by the daemon.',
  params: Type.Object(
    { subscriptionId: SubscriptionId, runId: RunId, event: RunEvent },
    { $id: 'RunEventNotification', additionalProperties: false },
  ),
  examples: [
    {
      name: 'a line of output',
      params: {
        subscriptionId: 's1',
        runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
        event: {
          seq: 4,
          time: '2026-11-23T10:00:00.010Z',
          type: 'output',
          stream: 'stdout',
          offset: 0,
          length: 6,
          text: 'hello\n',
        },
      },
    },
  ],
});

export const runGapNotification = defineNotification({
  name: 'run.gap',
  summary: 'The connection fell too far behind: events fromSeq..toSeq were not sent, and the subscription ended.',
  description:
    'Sent once the send buffer has drained. Catch up with run.subscribe({ runId, fromSeq }) or run.events. ' +
    'For a subscription to all runs, fromSeq and toSeq are null: list runs again.',
  params: Type.Object(
    {
      subscriptionId: SubscriptionId,
      runId: Nullable(RunId),
      fromSeq: Nullable(Type.Integer({ minimum: 1 })),
      toSeq: Nullable(Type.Integer({ minimum: 1 })),
    },
    { $id: 'RunGapNotification', additionalProperties: false },
  ),
  examples: [
    {
      name: 'output dropped for a slow client',
      params: { subscriptionId: 's1', runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE', fromSeq: 120, toSeq: 3_400 },
    },
  ],
});

export const eventMethods = [runSubscribe, runUnsubscribe, runEvents] as const;
export const notifications = [runEventNotification, runGapNotification] as const;
