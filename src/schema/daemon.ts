// The daemon.* contract: what a client can learn about the daemon it talks to.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { defineMethod } from './method.js';
import { NoParams, StringEnum, Timestamp } from './common.js';

/** Seconds without a heartbeat after which a node is dead; nodes beat every 2 s. */
export const NODE_DEAD_AFTER_S = 10;
/**
 * Seconds without a heartbeat after which a node is dead when its connection to the database has also
 * closed (it no longer holds its node lock): what a killed process looks like. Twice the heartbeat
 * interval, so that one late beat of a live node is not taken for a death.
 */
export const NODE_DEAD_UNLOCKED_AFTER_S = 4;

export const nodeStates = ['alive', 'dead', 'stopped'] as const;

export const NodeState = StringEnum(nodeStates, {
  $id: 'NodeState',
  description:
    `alive: its last heartbeat is at most ${NODE_DEAD_AFTER_S} s old; dead: it is older (the node was killed, ` +
    `or cannot reach the database), or older than ${NODE_DEAD_UNLOCKED_AFTER_S} s while the node's own ` +
    'connection to the database has closed (its process died); stopped: the node shut down cleanly. ' +
    'Judged by the database clock.',
});
export type NodeState = Static<typeof NodeState>;

export const ClusterNode = Type.Object(
  {
    nodeId: Type.String({ description: 'The node id, kept in <state-dir>/node-id.' }),
    url: Type.String({ description: 'The URL it advertises to its peers (--advertise-url, else its listen URL).' }),
    version: Type.String({ description: 'Its runyard version.' }),
    state: NodeState,
    startedAt: Timestamp,
    lastHeartbeatAt: Timestamp,
  },
  { $id: 'ClusterNode', additionalProperties: false },
);
export type ClusterNode = Static<typeof ClusterNode>;

export const DaemonInfo = Type.Object(
  {
    version: Type.String({ description: 'runyard package version.' }),
    pid: Type.Integer(),
    startedAt: Timestamp,
    url: Type.String({ description: 'WebSocket URL the daemon listens on.' }),
    runsDir: Type.String({ description: 'Absolute path of the runs directory.' }),
    stateDir: Type.String({ description: 'Absolute path of the state directory.' }),
    configFile: Type.Union([Type.String(), Type.Null()], {
      description: 'Absolute path of the config file daemon.reloadConfig reads, or null when it has none.',
    }),
    limits: Type.Object(
      {
        maxPayloadBytes: Type.Integer({ description: 'Largest accepted WebSocket message.' }),
        maxBatchSize: Type.Integer({ description: 'Most requests accepted in one batch.' }),
        maxInFlight: Type.Integer({
          description: 'Most requests one connection may have unanswered; past it, too_many_requests.',
        }),
        handshakeTimeoutMs: Type.Integer({
          description: 'A connection that has not completed its HTTP request or upgrade within this is closed.',
        }),
        maxConnectionsPerPeer: Type.Integer({
          description: 'Most open connections from one peer address; past it, upgrades get HTTP 429.',
        }),
      },
      { additionalProperties: false },
    ),
    connections: Type.Object(
      {
        open: Type.Integer({ description: 'WebSocket connections open now, the asking one included.' }),
        subscriptions: Type.Integer({ description: 'Run subscriptions (run.subscribe) open across them.' }),
      },
      { additionalProperties: false },
    ),
    nodeId: Type.String({ description: 'This daemon\'s node id, recorded as nodeId on every run it creates.' }),
    nodes: Type.Array(ClusterNode, {
      description:
        'The nodes of the cluster, by node id, this one included: every daemon that used the PostgreSQL ' +
        'store, stopped and dead ones too. On the SQLite and memory stores, this daemon alone.',
    }),
  },
  { $id: 'DaemonInfo', additionalProperties: false },
);
export type DaemonInfo = Static<typeof DaemonInfo>;

export const daemonInfo = defineMethod({
  name: 'daemon.info',
  retrySafe: true,
  summary:
    'Version, process and directories of the daemon, the limits it enforces, its connections, and the nodes of its cluster.',
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
        configFile: null,
        limits: {
          maxPayloadBytes: 1_048_576,
          maxBatchSize: 100,
          maxInFlight: 2048,
          handshakeTimeoutMs: 5000,
          maxConnectionsPerPeer: 2048,
        },
        connections: { open: 2, subscriptions: 1 },
        nodeId: '3f0c9a52-6d1e-4b7a-9c2f-8e5d4a1b7c60',
        nodes: [
          {
            nodeId: '3f0c9a52-6d1e-4b7a-9c2f-8e5d4a1b7c60',
            url: 'ws://127.0.0.1:7370/rpc',
            version: '0.1.0',
            state: 'alive',
            startedAt: '2026-11-23T09:59:58.120Z',
            lastHeartbeatAt: '2026-11-23T10:00:00.123Z',
          },
        ],
      },
    },
  ],
});

const Names = (what: string) => Type.Array(Type.String(), { description: what });

/** What a reload did to one kind of definition, by name. */
const DefinitionChanges = Type.Object(
  {
    added: Names('Declared by the file and new to the daemon.'),
    updated: Names('Declared by the file with a spec that differs from the one the daemon had.'),
    removed: Names('Declared by the file before and no longer: deleted (a service is stopped first).'),
  },
  { additionalProperties: false },
);

export const ConfigReload = Type.Object(
  {
    file: Type.String({ description: 'The file read.' }),
    actions: DefinitionChanges,
    services: DefinitionChanges,
    applied: Names(
      'Daemon settings that changed and are in effect now (log.level, allowOrigins, retention, maxInFlight, maxConnectionsPerPeer).',
    ),
    restartRequired: Names(
      'Daemon settings that changed in the file but take effect only when the daemon restarts (listen, runsDir, ...).',
    ),
  },
  { $id: 'ConfigReload', additionalProperties: false },
);
export type ConfigReload = Static<typeof ConfigReload>;

export const daemonReloadConfig = defineMethod({
  name: 'daemon.reloadConfig',
  retrySafe: true,
  summary: 'Read the config file again and apply it: definitions now, the settings that allow it now.',
  description:
    'The same as SIGHUP. The file is checked whole first: when it is invalid nothing of it is applied and ' +
    'the daemon goes on as it was. Flags and environment variables given at start still override the file.',
  params: NoParams,
  result: ConfigReload,
  errors: ['config_not_set', 'config_invalid'],
  examples: [
    {
      name: 'an action added and the log level raised',
      params: {},
      result: {
        file: '/etc/runyard/runyard.json',
        actions: { added: ['lint'], updated: [], removed: [] },
        services: { added: [], updated: [], removed: [] },
        applied: ['log.level'],
        restartRequired: [],
      },
    },
  ],
});

export const DashboardLogin = Type.Object(
  {
    url: Type.String({
      description:
        'http://<host>:<port>/login/<code>: opened in a browser, it sets the session cookie and leaves for /.',
    }),
    expiresAt: Timestamp,
  },
  { $id: 'DashboardLogin', additionalProperties: false },
);
export type DashboardLogin = Static<typeof DashboardLogin>;

export const daemonDashboardLogin = defineMethod({
  name: 'daemon.dashboardLogin',
  retrySafe: true,
  summary: 'A one-time URL that logs a browser into the dashboard: it works once, within 60 seconds.',
  description:
    'The code in the URL is exchanged for an HttpOnly, SameSite=Strict session cookie of 12 hours, valid only ' +
    "on the daemon's own origin; the token itself never reaches the browser. `runyard dashboard` calls this.",
  params: NoParams,
  result: DashboardLogin,
  errors: [],
  examples: [
    {
      name: 'a login URL for the daemon on the default port',
      params: {},
      result: {
        url: 'http://127.0.0.1:7370/login/q7V1oXWm3cJ0h2bA9sLr4Ew8nTkYpZgU6dFiHjKlM5o',
        expiresAt: '2026-11-23T10:01:00.000Z',
      },
    },
  ],
});

export const daemonMethods = [daemonInfo, daemonReloadConfig, daemonDashboardLogin] as const;
