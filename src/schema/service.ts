// The service.* contract: named sets of actions started, stopped and restarted as one unit.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ActionName, Defaulted, Nullable, RunId, ServiceName, StringEnum, Timestamp } from './common.js';
import { defineMethod } from './method.js';
import { RetryPolicy, RunError, RunStatus } from './run-record.js';

export const RestartPolicy = StringEnum(['never', 'on-failure', 'always'], {
  default: 'never',
  description:
    'When a run of this action ends: never start it again, start it again after a failure or timeout, ' +
    'or always (for long-running processes). A cancelled run is never restarted.',
});

/** A run's retry delays, reused: a service's restarts back off as a run's retries do. */
export const Backoff = Type.Pick(RetryPolicy, ['initialDelayMs', 'factor', 'maxDelayMs', 'jitter'], {
  additionalProperties: false,
  description: 'Delay before each restart; grows with consecutive restarts.',
});

export const StartLimit = Type.Object(
  {
    maxRestarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000, default: 5 })),
    windowMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000, default: 60_000 })),
  },
  {
    additionalProperties: false,
    description: 'More restarts than this within the window and the service is failed until started again.',
  },
);

export const ServiceAction = Type.Object(
  {
    action: ActionName,
    restart: Type.Optional(RestartPolicy),
    backoff: Type.Optional(Backoff),
    startLimit: Type.Optional(StartLimit),
  },
  { $id: 'ServiceAction', additionalProperties: false },
);
export type ServiceAction = Static<typeof ServiceAction>;

export const ServiceSpec = Type.Object(
  {
    name: ServiceName,
    description: Type.Optional(Type.String({ maxLength: 1_024 })),
    actions: Type.Array(ServiceAction, { minItems: 1, maxItems: 64, description: 'One run per action.' }),
    autostart: Type.Optional(
      Type.Boolean({
        description:
          'Start the service (as service.start does) each time the daemon starts, once it listens. Absent: false.',
      }),
    ),
  },
  { $id: 'ServiceSpec', additionalProperties: false },
);
export type ServiceSpec = Static<typeof ServiceSpec>;

export const Service = Type.Object(
  {
    spec: ServiceSpec,
    source: Type.Union([Type.Literal('rpc'), Type.Literal('config')]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Service', additionalProperties: false },
);
export type Service = Static<typeof Service>;

export const ServiceState = StringEnum(['stopped', 'starting', 'running', 'degraded', 'failed'], {
  $id: 'ServiceState',
  description:
    'stopped: not started, or stopped. starting: service.start is under way. running: every action has an ' +
    'active run, or ended as its restart policy wants. degraded: some action waits to be restarted. failed: an ' +
    'action passed its start limit; nothing restarts until service.start.',
});

export const ServiceStatus = Type.Object(
  {
    name: ServiceName,
    state: ServiceState,
    nodeId: Type.Optional(
      Type.String({
        description:
          'In a cluster (the PostgreSQL store), the node that answered for the service: its supervisor, ' +
          'or, when no live node supervises it, the node asked. Absent on one daemon alone.',
      }),
    ),
    actions: Type.Array(
      Type.Object(
        {
          action: ActionName,
          runId: Nullable(RunId),
          status: Nullable(RunStatus),
          uptimeMs: Nullable(Type.Integer({ minimum: 0, description: 'Since the current run started running.' })),
          pid: Nullable(Type.Integer({ minimum: 1, description: "The current run's process, while it runs." })),
          restarts: Type.Integer({ minimum: 0, description: 'Restarts since the service was started.' }),
          startLimit: Type.Required(StartLimit, {
            description: 'The start limit in force, defaults applied: the service fails past it.',
          }),
          nextRestartAt: Nullable(Timestamp),
          lastFailure: Nullable(
            Type.Object(
              { runId: RunId, status: RunStatus, at: Timestamp, error: Nullable(RunError) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'ServiceStatus', additionalProperties: false },
);
export type ServiceStatus = Static<typeof ServiceStatus>;

const NameRef = Type.Object({ name: ServiceName }, { additionalProperties: false });

const web: ServiceSpec = {
  name: 'web',
  description: 'The dev server and its type checker',
  actions: [
    { action: 'dev-server', restart: 'always', startLimit: { maxRestarts: 5, windowMs: 60_000 } },
    { action: 'typecheck-watch', restart: 'on-failure' },
  ],
};
const webService: Service = {
  spec: web,
  source: 'rpc',
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
};
const webRunning: ServiceStatus = {
  name: 'web',
  state: 'running',
  actions: [
    {
      action: 'dev-server',
      runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
      status: 'running',
      uptimeMs: 1_250,
      pid: 48_211,
      restarts: 0,
      startLimit: { maxRestarts: 5, windowMs: 60_000 },
      nextRestartAt: null,
      lastFailure: null,
    },
    {
      action: 'typecheck-watch',
      runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRF',
      status: 'running',
      uptimeMs: 1_248,
      pid: 48_215,
      restarts: 0,
      startLimit: { maxRestarts: 5, windowMs: 60_000 },
      nextRestartAt: null,
      lastFailure: null,
    },
  ],
};

export const serviceSet = defineMethod({
  name: 'service.set',
  summary: 'Create or replace a service; every action it names must exist.',
  params: ServiceSpec,
  result: Service,
  errors: ['action_not_found', 'store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'a web service', params: web, result: webService }],
});

export const serviceGet = defineMethod({
  name: 'service.get',
  summary: 'One service by name.',
  params: NameRef,
  result: Service,
  errors: ['service_not_found', 'store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'the web service', params: { name: 'web' }, result: webService }],
});

export const serviceList = defineMethod({
  name: 'service.list',
  summary: 'Every service, by name.',
  params: Type.Object({}, { additionalProperties: false }),
  result: Type.Object({ services: Type.Array(Service) }, { additionalProperties: false }),
  errors: ['store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'all services', params: {}, result: { services: [webService] } }],
});

export const serviceDelete = defineMethod({
  name: 'service.delete',
  summary: 'Stop a service (cancelling its active runs) and delete it. Its runs stay, with their serviceId.',
  params: NameRef,
  result: Type.Object({ deleted: Type.Boolean() }, { additionalProperties: false }),
  errors: ['service_not_found', 'store_unavailable', 'node_unavailable'],
  retrySafe: true,
  examples: [{ name: 'delete web', params: { name: 'web' }, result: { deleted: true } }],
});

export const serviceStart = defineMethod({
  name: 'service.start',
  summary: 'Start one run per action of the service.',
  description:
    'With replaceExistingJobs (the default) the service starts clean: its active runs are cancelled and ' +
    'waited for, then its finished runs are removed from the index (their run directories stay on disk), ' +
    'then the new runs start. With false, old runs stay and new ones are added. A second service.start of ' +
    'the same service waits for the first to finish and never produces two sets of runs.',
  params: Type.Object(
    {
      name: ServiceName,
      replaceExistingJobs: Defaulted(
        Type.Boolean({ default: true, description: 'Cancel and remove the service’s old runs first.' }),
      ),
    },
    { additionalProperties: false },
  ),
  result: ServiceStatus,
  errors: ['service_not_found', 'action_not_found', 'store_unavailable', 'node_unavailable'],
  examples: [{ name: 'start web', params: { name: 'web', replaceExistingJobs: true }, result: webRunning }],
});

export const serviceStop = defineMethod({
  name: 'service.stop',
  summary: "Cancel the service's active runs and wait for them to end.",
  params: Type.Object(
    {
      name: ServiceName,
      removeJobs: Defaulted(
        Type.Boolean({
          default: false,
          description: 'Also remove its finished runs from the index (run directories stay on disk).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  result: ServiceStatus,
  errors: ['service_not_found', 'node_unavailable'],
  retrySafe: true,
  examples: [
    {
      name: 'stop web and forget its runs',
      params: { name: 'web', removeJobs: true },
      result: {
        name: 'web',
        state: 'stopped',
        actions: webRunning.actions.map((action) => ({ ...action, runId: null, status: null, uptimeMs: null, pid: null })),
      },
    },
  ],
});

export const serviceRestart = defineMethod({
  name: 'service.restart',
  summary: 'Stop the service, then start it with replaceExistingJobs.',
  params: NameRef,
  result: ServiceStatus,
  errors: ['service_not_found', 'action_not_found', 'store_unavailable', 'node_unavailable'],
  examples: [{ name: 'restart web', params: { name: 'web' }, result: webRunning }],
});

export const serviceStatus = defineMethod({
  name: 'service.status',
  summary: "The service's state and, per action, its current run, uptime, restarts and last failure.",
  params: NameRef,
  result: ServiceStatus,
  errors: ['service_not_found', 'node_unavailable'],
  retrySafe: true,
  examples: [{ name: 'web is running', params: { name: 'web' }, result: webRunning }],
});

export const serviceMethods = [
  serviceSet,
  serviceGet,
  serviceList,
  serviceStart,
  serviceStatus,
  serviceStop,
  serviceRestart,
  serviceDelete,
] as const;
