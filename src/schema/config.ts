// The config file (`--config FILE`, RUNYARD_CONFIG): the daemon's settings, and the actions and services
// it declares. Published as schema/runyard.config.schema.json, for editors.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ActionSpec } from './action.js';
import { ServiceSpec } from './service.js';

const Count = (description: string, minimum = 1) => Type.Integer({ minimum, description });

export const LogSettings = Type.Object(
  {
    level: Type.Optional(
      Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], {
        description: 'The least a line must be to be logged (--log-level). Default info. Applied by a reload.',
      }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
        description: 'Default: pretty when stderr is a terminal, else json (--log-format).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RetentionSettings = Type.Object(
  {
    keepRuns: Type.Optional(Count('Keep at most this many finished runs in the index (--keep-runs).', 0)),
    keepDays: Type.Optional(Count('Drop finished runs older than this many days (--keep-days).', 0)),
    pruneDirs: Type.Optional(
      Type.Boolean({ description: "Also delete the pruned runs' directories (--prune-dirs). Default false." }),
    ),
  },
  { additionalProperties: false, description: 'Pruned at start and hourly. Applied by a reload.' },
);

/** Each key stands for the `runyard serve` flag of the same words; a flag or its variable overrides it. */
export const DaemonSettings = Type.Object(
  {
    listen: Type.Optional(
      Type.String({
        pattern: '^(\\[[^\\]]+\\]|[^:\\[\\]]+):[0-9]{1,5}$',
        description: 'HOST:PORT to listen on (--listen, RUNYARD_LISTEN). Default 127.0.0.1:7370.',
      }),
    ),
    allowRemote: Type.Optional(
      Type.Boolean({ description: 'Permit a listen host that is not loopback (--allow-remote).' }),
    ),
    runsDir: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Run directories (--runs-dir, RUNYARD_RUNS_DIR); relative to this file.',
      }),
    ),
    stateDir: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Token, daemon.json and index (--state-dir, RUNYARD_STATE_DIR); relative to this file.',
      }),
    ),
    allowOrigins: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Browser Origins admitted, scheme://host[:port] (--allow-origin, RUNYARD_ALLOW_ORIGIN). Applied by a reload.',
      }),
    ),
    maxConcurrent: Type.Optional(Count('Runs executing at once (--max-concurrent). Default: the CPUs.')),
    maxQueued: Type.Optional(Count('Runs waiting before run.start is refused (--max-queued). Default 10000.')),
    killGraceMs: Type.Optional(Count('SIGTERM to SIGKILL delay (--kill-grace-ms). Default 5000.', 0)),
    maxInFlight: Type.Optional(
      Count(
        'Requests one connection may have unanswered; past it a request gets too_many_requests (--max-in-flight, RUNYARD_MAX_IN_FLIGHT). Default 2048. Applied by a reload.',
      ),
    ),
    handshakeTimeoutMs: Type.Optional(
      Count(
        'A connection that has not completed its HTTP request or WebSocket upgrade within this is closed (--handshake-timeout-ms, RUNYARD_HANDSHAKE_TIMEOUT_MS). Default 5000.',
        100,
      ),
    ),
    maxConnectionsPerPeer: Type.Optional(
      Count(
        'Open connections one peer address may hold; past it its upgrades get HTTP 429 (--max-connections-per-peer, RUNYARD_MAX_CONNECTIONS_PER_PEER). Default 2048. Applied by a reload.',
      ),
    ),
    store: Type.Optional(
      Type.Union(
        [
          Type.Literal('sqlite'),
          Type.Literal('memory'),
          Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://USER@HOST:PORT/DB[?schema=NAME]' }),
        ],
        { description: 'Where the run index lives (--store, RUNYARD_STORE). Default sqlite.' },
      ),
    ),
    advertiseUrl: Type.Optional(
      Type.String({
        pattern: '^wss?://',
        description:
          'The ws:// or wss:// URL the other nodes of a cluster reach this daemon at (--advertise-url, RUNYARD_ADVERTISE_URL). Default: the URL it listens on.',
      }),
    ),
    retention: Type.Optional(RetentionSettings),
    log: Type.Optional(LogSettings),
  },
  { additionalProperties: false },
);
export type DaemonSettings = Static<typeof DaemonSettings>;

export const RunyardConfig = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Path or URL of this schema, for editors.' })),
    daemon: Type.Optional(DaemonSettings),
    actions: Type.Optional(
      Type.Array(ActionSpec, {
        description: 'Upserted at start and at every reload; one removed from the file is deleted.',
      }),
    ),
    services: Type.Optional(
      Type.Array(ServiceSpec, {
        description:
          'Upserted after the actions; every action they name must exist. One removed from the file is stopped and deleted.',
      }),
    ),
  },
  {
    $id: 'https://runyard.dev/schema/runyard.config.schema.json',
    title: 'runyard configuration',
    description:
      'The daemon settings, actions and services of `runyard serve --config FILE` (or RUNYARD_CONFIG). Flags and environment variables override the settings; SIGHUP or `runyard config reload` re-reads the file.',
    additionalProperties: false,
  },
);
export type RunyardConfig = Static<typeof RunyardConfig>;
