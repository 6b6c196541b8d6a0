// `runyard serve`: reads flags and environment, starts the daemon, stops it cleanly on SIGINT/SIGTERM.
import { availableParallelism } from 'node:os';
import { isLoopback, startDaemon, type DaemonConfig } from '../../daemon/daemon.js';
import { allowOriginProblem, splitOrigins } from '../../daemon/allow-origin.js';
import {
  createLogger,
  isLogFormat,
  isLogLevel,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from '../../log.js';
import type { StoreKind } from '../../store/open.js';
import { DEFAULT_LISTEN } from '../../schema/transport.js';
import {
  DAEMON_FILE,
  findProjectDir,
  RUNS_DIR_HELP,
  runsDirFrom,
  STATE_DIR_HELP,
  stateDirFrom,
  TOKEN_FILE,
} from '../defaults.js';
import { defineOptions, optionLines } from '../options.js';
import { EXIT, parseFlags, UsageError } from '../usage.js';
import { integer } from './run-args.js';

const STORE_KINDS = ['sqlite', 'memory'] as const satisfies readonly StoreKind[];

const OPTIONS = defineOptions({
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
  config: {
    type: 'string',
    value: 'FILE',
    help: 'declare actions and services from a JSON file (schema/runyard.config.schema.json)',
    completes: 'file',
  },
  store: {
    type: 'string',
    value: 'KIND',
    help: 'where the run index lives: sqlite (default, <state-dir>/runyard.db) or memory (forgets on exit)',
    values: STORE_KINDS,
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
  help: { type: 'boolean', short: 'h', help: 'show this help' },
});

export const declaration = { options: OPTIONS, positionals: [] } as const;

const HELP = `Usage: runyard serve [options]

${optionLines(OPTIONS)}

The log goes to stderr; stdout gets one line, "runyard listening on URL", once the daemon serves.`;

export interface ServeConfig extends DaemonConfig {
  log: { level: LogLevel; format: LogFormat | undefined };
}

export async function serve(args: string[]): Promise<number> {
  const config = parseServeArgs(args, process.env, await findProjectDir());
  if (!config) {
    console.log(HELP);
    return EXIT.ok;
  }
  const log = createLogger(config.log);
  const daemon = await startDaemon(config, log);
  // For scripts, which wait for it and take the URL; everything else goes to the log on stderr.
  console.log(`runyard listening on ${daemon.url}`);
  // A close that fails ends serve with its message and exit 1, rather than as an unhandled rejection.
  const stopped = new Promise<void>((resolve, reject) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      daemon.close().then(resolve, reject);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await stopped;
  return EXIT.ok;
}

/**
 * undefined when --help was asked for. `project` is where the state and runs directories default to:
 * the directory of the nearest existing .runyard, so that serve and every other command meet there.
 */
export function parseServeArgs(
  args: string[],
  env: NodeJS.ProcessEnv,
  project = '.',
): ServeConfig | undefined {
  const { values } = parseFlags(args, { allowPositionals: false, options: OPTIONS });
  if (values.help) return undefined;
  const listen = values.listen ?? env.RUNYARD_LISTEN ?? DEFAULT_LISTEN;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new UsageError(`--listen must be HOST:PORT, got "${listen}"`);
  const host = (match[1] ?? match[2])!;
  if (!isLoopback(host) && !values['allow-remote']) {
    throw new UsageError(
      `refusing to listen on ${host} without --allow-remote: anyone who can reach it with the token can run commands`,
    );
  }
  return {
    host,
    port,
    runsDir: runsDirFrom(values['runs-dir'], env, project),
    stateDir: stateDirFrom(values['state-dir'], env, project),
    allowOrigins: allowOrigins(values['allow-origin'], env),
    maxConcurrent: integer('--max-concurrent', values['max-concurrent']) ?? availableParallelism(),
    maxQueued: integer('--max-queued', values['max-queued']) ?? 10_000,
    killGraceMs: integer('--kill-grace-ms', values['kill-grace-ms'], 0) ?? 5_000,
    store: storeKind(values.store),
    ...(values.config ? { configFile: values.config } : {}),
    retention: {
      ...optional('keepRuns', integer('--keep-runs', values['keep-runs'], 0)),
      ...optional('keepDays', integer('--keep-days', values['keep-days'], 0)),
      pruneDirs: values['prune-dirs'] ?? false,
    },
    maxPayloadBytes: 1_048_576,
    maxBatchSize: 100,
    log: { level: logLevel(values['log-level'], env), format: logFormat(values['log-format']) },
  };
}

/** The flags, or else RUNYARD_ALLOW_ORIGIN; a value that can never match an Origin is a usage error. */
function allowOrigins(flags: string[] | undefined, env: NodeJS.ProcessEnv): string[] {
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

function logLevel(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  const [source, value] =
    flag !== undefined ? ['--log-level', flag] : ['RUNYARD_LOG_LEVEL', env.RUNYARD_LOG_LEVEL];
  if (value === undefined || value === '') return 'info';
  if (isLogLevel(value)) return value;
  throw new UsageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
}

function logFormat(flag: string | undefined): LogFormat | undefined {
  if (flag === undefined || isLogFormat(flag)) return flag;
  throw new UsageError(`--log-format must be ${LOG_FORMATS.join(' or ')}, got "${flag}"`);
}

export function storeKind(value: string | undefined): StoreKind {
  if (value === undefined || value === 'sqlite' || value === 'memory') return value ?? 'sqlite';
  throw new UsageError(`--store must be sqlite or memory, got "${value}"`);
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
