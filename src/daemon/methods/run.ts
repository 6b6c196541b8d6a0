// Handlers of run.*: thin calls into the engine; params arrive validated, with the schema's defaults filled in.
import type { RunEngine } from '../../runs/engine.js';
import type { GroupHandlers } from './types.js';

export const runHandlers = (engine: RunEngine): GroupHandlers<'run'> => ({
  'run.start': (params) => engine.start(params),
  'run.status': ({ runId }) => engine.get(runId),
  'run.list': (params) => engine.list(params),
  'run.cancel': ({ runId }) => engine.cancel(runId),
  'run.wait': ({ runId, timeoutMs }, { signal }) => engine.wait(runId, timeoutMs, signal),
  'run.logs': ({ runId, stream, offset, limit }) => engine.readLog(runId, stream, offset, limit),
  'run.subscribe': ({ runId, fromSeq, outputFrames }, { subscriptions }) =>
    subscriptions.subscribe(runId, fromSeq, outputFrames),
  'run.unsubscribe': async ({ subscriptionId }, { subscriptions }) => ({
    unsubscribed: subscriptions.unsubscribe(subscriptionId),
  }),
  'run.events': ({ runId, fromSeq, limit }) => engine.readEvents(runId, fromSeq, limit),
});
