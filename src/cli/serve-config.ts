// What `runyard serve` runs with: each setting from its flag, else its environment variable, else the
// config file, else its default. The one resolution for serve, SIGHUP reloads and `config check`.
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { checkAdvertiseUrl } from '../daemon/advertise-url.js';
import { allowOriginProblem, splitOrigins } from '../daemon/allow-origin.js';
import { readConfigFile, type ConfigFile } from '../daemon/config-file.js';
import { StartFailure } from '../schema/start-failure.js';
import { isLoopback, type ConfigSource, type DaemonConfig, type LoadedConfig } from '../daemon/daemon.js';
import { isLogFormat, isLogLevel, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log.js';
import type { DaemonSettings } from '../schema/config.js';
import { RunyardError } from '../schema/errors.js';
import { DEFAULT_LISTEN } from '../schema/transport.js';
import type { StoreKind } from '../store/open.js';
import { isPostgresUrl, parsePostgresUrl, redactText } from '../store/postgres-url.js';
import {
  DAEMON_FILE,
  RUNS_DIR_HELP,
  runsDirFrom,
  STATE_DIR_HELP,
  stateDirFrom,
  TOKEN_FILE,
} from './defaults.js';
import { integer } from './commands/run-args.js';
import { defineOptions } from './options.js';
import { parseFlags, UsageError } from './usage.js';

/** The environment variable that stands in for `--config`. */
export const CONFIG_ENV = 'RUNYARD_CONFIG';

const STORE_KINDS = ['sqlite', 'memory'] as const satisfies readonly StoreKind[];

export const SERVE_OPTIONS = defineOptions({
  listen: {
    type: 'string',
    value: 'HOST:PORT',
    help: `where to listen (env RUNYARD_LISTEN; default ${DEFAULT_LISTEN}; port 0 = any free port)`,
  },
  'allow-remote': { type: 'boolean', help: 'permit a HOST that is not loopback' },
  'runs-dir': { type: 'string', value: 'DIR', help: `run directories (${RUNS_DIR_HELP})`, completes: 'dir' },
  'state-dir': {
    type: 'string',
    value: 'DIR',
    help: `${TOKEN_FILE}, ${DAEMON_FILE} (${STATE_DIR_HELP})`,
    completes: 'dir',
  },
  'allow-origin': {
    type: 'string',
    multiple: true,
    value: 'ORIGIN',
    help:
      'accept WebSocket handshakes from this browser Origin, scheme://host[:port] (repeatable;\n' +
      'env RUNYARD_ALLOW_ORIGIN, comma-separated)',
  },
  'max-concurrent': { type: 'string', value: 'N', help: 'runs executing at once (default: number of CPUs)' },
  'max-queued': {
    type: 'string',
    value: 'N',
    help: 'runs waiting to start before run.start is refused (default 10000)',
  },
  'kill-grace-ms': {
    type: 'string',
    value: 'N',
    help: 'SIGTERM to SIGKILL delay on cancel and timeout (default 5000)',
  },
  'max-in-flight': {
    type: 'string',
    value: 'N',
    help:
      'requests one connection may have unanswered before the next gets too_many_requests\n' +
      '(env RUNYARD_MAX_IN_FLIGHT; default 2048)',
  },
  'handshake-timeout-ms': {
    type: 'string',
    value: 'MS',
    help:
      'close a connection that has not completed its HTTP request or WebSocket upgrade within MS\n' +
      '(env RUNYARD_HANDSHAKE_TIMEOUT_MS; default 5000, at least 100)',
  },
  'max-connections-per-peer': {
    type: 'string',
    value: 'N',
    help:
      'open connections one peer address may hold; past it, upgrades get HTTP 429\n' +
      '(env RUNYARD_MAX_CONNECTIONS_PER_PEER; default 2048)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    help:
      'daemon settings, actions and services from a JSON file (env RUNYARD_CONFIG;\n' +
      'schema/runyard.config.schema.json); SIGHUP re-reads it',
    completes: 'file',
  },
  store: {
    type: 'string',
    value: 'KIND',
    help:
      'where the run index lives (env RUNYARD_STORE): sqlite (default, <state-dir>/runyard.db),\n' +
      'memory (forgets on exit) or postgres://USER@HOST:PORT/DB[?schema=NAME]',
    values: STORE_KINDS,
  },
  'advertise-url': {
    type: 'string',
    value: 'URL',
    help:
      'ws:// or wss:// URL the other nodes of a cluster reach this daemon at\n' +
      '(env RUNYARD_ADVERTISE_URL; default: the URL it listens on)',
  },
  'keep-runs': {
    type: 'string',
    value: 'N',
    help: 'keep at most N finished runs in the index (pruned at start and hourly)',
  },
  'keep-days': { type: 'string', value: 'D', help: 'drop finished runs older than D days from the index' },
  'prune-dirs': {
    type: 'boolean',
    help: "with --keep-runs/--keep-days, also delete the pruned runs' directories",
  },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    help: `${LOG_LEVELS.join('|')}: the least a line must be to be logged (env RUNYARD_LOG_LEVEL; default info)`,
    values: LOG_LEVELS,
  },
  'log-format': {
    type: 'string',
    value: 'FORMAT',
    help: `${LOG_FORMATS.join('|')} (default: pretty when stderr is a terminal, else json)`,
    values: LOG_FORMATS,
  },
  json: { type: 'boolean', help: 'a failure to start is one JSON object on stderr, {"error": ...}' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
});

type ServeFlags = ReturnType<typeof parseFlags<{ options: typeof SERVE_OPTIONS }>>['values'];

/**
 * undefined when --help was asked for. `project` is where the state and runs directories default to:
 * the directory of the nearest existing .runyard, so that serve and every other command meet there.
 * A config file is read whole here, before anything starts, so a bad one stops serve at once.
 */
export async function loadServeConfig(
  args: string[],
  env: NodeJS.ProcessEnv,
  project = '.',
): Promise<LoadedConfig | undefined> {
  const { values } = parseFlags(args, { allowPositionals: false, options: SERVE_OPTIONS });
  if (values.help) return undefined;
  const path = values.config ?? (env[CONFIG_ENV] || undefined);
  if (path === undefined) return { config: resolveServeConfig(values, env, project) };
  const source: ConfigSource = {
    path: resolve(path),
    read: async () => fromFile(await readConfigFile(resolve(path)), values, env, project),
  };
  return { ...(await source.read()), source };
}

/** `runyard config check`: what `serve --config FILE` alone would make of the file. */
export async function checkConfigFile(path: string): Promise<ConfigFile> {
  const file = await readConfigFile(path);
  try {
    fromFile(file, {}, {}, '.');
  } catch (error) {
    // Without flags, whatever is wrong is the file's.
    if (error instanceof UsageError || error instanceof StartFailure)
      throw new RunyardError('config_invalid', { file: path, problems: [error.message] });
    throw error;
  }
  return file;
}

function fromFile(
  file: ConfigFile,
  values: ServeFlags,
  env: NodeJS.ProcessEnv,
  project: string,
): Awaited<ReturnType<ConfigSource['read']>> {
  const { actions = [], services = [] } = file.config;
  return {
    config: resolveServeConfig(values, env, project, file),
    declared: { file: file.path, actions, services },
  };
}

/** The settings: flag, else environment variable, else file, else default. */
export function resolveServeConfig(
  values: ServeFlags,
  env: NodeJS.ProcessEnv,
  project = '.',
  file?: ConfigFile,
): DaemonConfig {
  const settings: DaemonSettings = file?.config.daemon ?? {};
  const from = (key: keyof DaemonSettings) => `${file?.path}: /daemon/${key}`;
  // Paths in the file are relative to the file, as a file moved with its directories still works.
  const beside = (path: string | undefined) =>
    path === undefined ? undefined : resolve(dirname(file!.path), path);
  const [listenSource, listen] = first(
    ['--listen', values.listen],
    ['RUNYARD_LISTEN', env.RUNYARD_LISTEN],
    [from('listen'), settings.listen],
  ) ?? ['--listen', DEFAULT_LISTEN];
  const { host, port } = hostAndPort(listenSource, listen);
  if (!isLoopback(host) && !(values['allow-remote'] ?? settings.allowRemote)) {
    const permit = file ? '--allow-remote (or "allowRemote": true in the config file)' : '--allow-remote';
    throw new UsageError(
      `refusing to listen on ${host} without ${permit}: anyone who can reach it with the token can run commands`,
    );
  }
  const retention = settings.retention ?? {};
  return {
    host,
    port,
    runsDir: runsDirFrom(values['runs-dir'], env, project, beside(settings.runsDir)),
    stateDir: stateDirFrom(values['state-dir'], env, project, beside(settings.stateDir)),
    allowOrigins: allowOrigins(values['allow-origin'], env, settings.allowOrigins),
    maxConcurrent:
      integer('--max-concurrent', values['max-concurrent']) ??
      settings.maxConcurrent ??
      availableParallelism(),
    maxQueued: integer('--max-queued', values['max-queued']) ?? settings.maxQueued ?? 10_000,
    killGraceMs: integer('--kill-grace-ms', values['kill-grace-ms'], 0) ?? settings.killGraceMs ?? 5_000,
    store: storeKind(
      first(['--store', values.store], ['RUNYARD_STORE', env.RUNYARD_STORE], [from('store'), settings.store]),
    ),
    ...optional('advertiseUrl', advertiseUrl(values['advertise-url'], env, settings.advertiseUrl, from)),
    retention: {
      ...optional('keepRuns', integer('--keep-runs', values['keep-runs'], 0) ?? retention.keepRuns),
      ...optional('keepDays', integer('--keep-days', values['keep-days'], 0) ?? retention.keepDays),
      pruneDirs: values['prune-dirs'] ?? retention.pruneDirs ?? false,
    },
    maxPayloadBytes: 1_048_576,
    maxBatchSize: 100,
    maxInFlight: limit(values, env, 'max-in-flight') ?? settings.maxInFlight ?? 2048,
    handshakeTimeoutMs:
      limit(values, env, 'handshake-timeout-ms', 100) ?? settings.handshakeTimeoutMs ?? 5_000,
    maxConnectionsPerPeer:
      limit(values, env, 'max-connections-per-peer') ?? settings.maxConnectionsPerPeer ?? 2048,
    log: {
      level: logLevel(values['log-level'], env) ?? settings.log?.level ?? 'info',
      format: logFormat(values['log-format']) ?? settings.log?.format,
    },
  };
}

/** The first of the sources that gives a value (an empty variable gives none), with where it came from. */
function first(...sources: [string, string | undefined][]): [string, string] | undefined {
  const found = sources.find(([, value]) => value !== undefined && value !== '');
  return found as [string, string] | undefined;
}

function hostAndPort(source: string, listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new UsageError(`${source} must be HOST:PORT, got "${listen}"`);
  return { host: (match[1] ?? match[2])!, port };
}

/** The flags, else RUNYARD_ALLOW_ORIGIN, else the file; a value that can never match an Origin is a usage error. */
function allowOrigins(
  flags: string[] | undefined,
  env: NodeJS.ProcessEnv,
  file: string[] | undefined,
): string[] {
  if (flags === undefined && !env.RUNYARD_ALLOW_ORIGIN && file !== undefined) return file;
  const [source, origins] =
    flags !== undefined
      ? ['--allow-origin', flags]
      : ['RUNYARD_ALLOW_ORIGIN', splitOrigins(env.RUNYARD_ALLOW_ORIGIN ?? '')];
  for (const origin of origins) {
    const problem = allowOriginProblem(origin);
    if (problem) throw new UsageError(`${source}: ${problem}`);
  }
  return origins;
}

/** A connection limit from its flag, else its variable (--max-in-flight, RUNYARD_MAX_IN_FLIGHT). */
function limit(
  values: ServeFlags,
  env: NodeJS.ProcessEnv,
  flag: 'max-in-flight' | 'handshake-timeout-ms' | 'max-connections-per-peer',
  minimum = 1,
): number | undefined {
  const variable = `RUNYARD_${flag.toUpperCase().replaceAll('-', '_')}`;
  const [source, value] = first([`--${flag}`, values[flag]], [variable, env[variable]]) ?? [];
  const number = source === undefined ? undefined : integer(source, value);
  if (number !== undefined && number < minimum)
    throw new UsageError(`${source} must be at least ${minimum}, got "${value}"`);
  return number;
}

function logLevel(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel | undefined {
  const [source, value] = first(['--log-level', flag], ['RUNYARD_LOG_LEVEL', env.RUNYARD_LOG_LEVEL]) ?? [];
  if (value === undefined || isLogLevel(value)) return value;
  throw new UsageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
}

function logFormat(flag: string | undefined): LogFormat | undefined {
  if (flag === undefined || isLogFormat(flag)) return flag;
  throw new UsageError(`--log-format must be ${LOG_FORMATS.join(' or ')}, got "${flag}"`);
}

function advertiseUrl(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  file: string | undefined,
  from: (key: keyof DaemonSettings) => string,
): string | undefined {
  const given = first(
    ['--advertise-url', flag],
    ['RUNYARD_ADVERTISE_URL', env.RUNYARD_ADVERTISE_URL],
    [from('advertiseUrl'), file],
  );
  return given && checkAdvertiseUrl(...given);
}

/** A PostgreSQL URL is checked here, before anything starts: a bad one is `store_url_invalid`. */
function storeKind(given: [string, string] | undefined): StoreKind {
  const [source, value] = given ?? ['', 'sqlite'];
  if ((STORE_KINDS as readonly string[]).includes(value)) return value as StoreKind;
  if (isPostgresUrl(value)) {
    parsePostgresUrl(value);
    return value;
  }
  throw new UsageError(
    `${source} must be ${STORE_KINDS.join(', ')} or a postgres:// URL, got "${redactText(value)}"`,
  );
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
