// Handlers of run.*: thin calls into the engine; params arrive validated, with the schema's defaults filled in.
// A call about a run of another node of the cluster goes there instead (run-router.ts).
import type { RunEngine } from '../../runs/engine.js';
import type { RunRouter } from '../run-router.js';
import type { GroupHandlers } from './types.js';

export const runHandlers = (engine: RunEngine, router: RunRouter): GroupHandlers<'run'> => ({
  'run.start': (params) => engine.start(params),
  'run.status': ({ runId }) => engine.get(runId),
  'run.list': (params) => engine.list(params),
  'run.cancel': (params, call) => router.cancel(params, call, () => engine.cancel(params.runId)),
  'run.wait': (params, call) =>
    router.wait(params, call, (timeoutMs) => engine.wait(params.runId, timeoutMs, call.signal)),
  'run.logs': (params, call) =>
    router.route('run.logs', params, call, () =>
      engine.readLog(params.runId, params.stream, params.offset, params.limit),
    ),
  'run.subscribe': (params, call) => router.subscribe(params, call),
  'run.unsubscribe': async ({ subscriptionId }, { subscriptions }) => ({
    unsubscribed: subscriptions.unsubscribe(subscriptionId),
  }),
  'run.events': (params, call) =>
    router.route('run.events', params, call, () =>
      engine.readEvents(params.runId, params.fromSeq, params.limit),
    ),
});
