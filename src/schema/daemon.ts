// The daemon.* contract: what a client can learn about the daemon it talks to.
import { Type, type Static } from '@sinclair/typebox';
import { defineMethod } from './method.js';
import { NoParams, Timestamp } from './common.js';

export const DaemonInfo = Type.Object(
  {
    version: Type.String({ description: 'runyard package version.' }),
    pid: Type.Integer(),
    startedAt: Timestamp,
    url: Type.String({ description: 'WebSocket URL the daemon listens on.' }),
    runsDir: Type.String({ description: 'Absolute path of the runs directory.' }),
    stateDir: Type.String({ description: 'Absolute path of the state directory.' }),
    limits: Type.Object(
      {
        maxPayloadBytes: Type.Integer({ description: 'Largest accepted WebSocket message.' }),
        maxBatchSize: Type.Integer({ description: 'Most requests accepted in one batch.' }),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'DaemonInfo', additionalProperties: false },
);
export type DaemonInfo = Static<typeof DaemonInfo>;

export const daemonInfo = defineMethod({
  name: 'daemon.info',
  retrySafe: true,
  summary: 'Version, process and directories of the daemon, and the limits it enforces.',
  params: NoParams,
  result: DaemonInfo,
  errors: [],
  examples: [
    {
      name: 'a daemon on the default port',
      params: {},
      result: {
        version: '0.1.0',
        pid: 4242,
        startedAt: '2026-11-23T09:59:58.120Z',
        url: 'ws://127.0.0.1:7370/rpc',
        runsDir: '/home/me/project/runs',
        stateDir: '/home/me/project/.runyard',
        limits: { maxPayloadBytes: 1_048_576, maxBatchSize: 100 },
      },
    },
  ],
});

export const daemonMethods = [daemonInfo] as const;
