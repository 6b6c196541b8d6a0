// Handlers of run.*: thin calls into the engine; params arrive validated, with defaults filled in.
import type { RunEngine } from '../../runs/engine.js';
import type { GroupHandlers } from './types.js';

export const runHandlers = (engine: RunEngine): GroupHandlers<'run'> => ({
  'run.start': (params) => engine.start(params),
  'run.status': ({ runId }) => engine.get(runId),
  'run.list': (params) => engine.list(params),
  'run.cancel': ({ runId }) => engine.cancel(runId),
  'run.wait': ({ runId, timeoutMs }, { signal }) => engine.wait(runId, timeoutMs ?? 30_000, signal),
  'run.logs': ({ runId, stream, offset, limit }) =>
    engine.readLog(runId, stream ?? 'stdout', offset ?? 0, limit ?? 65_536),
  'run.subscribe': ({ runId, fromSeq }, { subscriptions }) => subscriptions.subscribe(runId, fromSeq),
  'run.unsubscribe': async ({ subscriptionId }, { subscriptions }) => ({
    unsubscribed: subscriptions.unsubscribe(subscriptionId),
  }),
  'run.events': ({ runId, fromSeq, limit }) => engine.readEvents(runId, fromSeq ?? 1, limit ?? 1_000),
});
