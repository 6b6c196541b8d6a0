// `runyard serve`: starts the daemon with its settings, re-reads the config file on SIGHUP, stops cleanly on
// SIGINT/SIGTERM.
import { startDaemon, type Daemon, type DaemonConfig } from '../../daemon/daemon.js';
import { createLogger, type Logger } from '../../log.js';
import { findProjectDir } from '../defaults.js';
import { optionLines } from '../options.js';
import { loadServeConfig, SERVE_OPTIONS } from '../serve-config.js';
import { CommandFailure, EXIT } from '../usage.js';

export const declaration = { options: SERVE_OPTIONS, positionals: [] } as const;

const HELP = `Usage: runyard serve [options]

${optionLines(SERVE_OPTIONS)}

Each setting comes from its flag, else its environment variable, else the config file, else its
default. SIGHUP (or \`runyard config reload\`) re-reads the config file.
The log goes to stderr; stdout gets one line, "runyard listening on URL", once the daemon serves.`;

export async function serve(args: string[]): Promise<number> {
  const loaded = await loadServeConfig(args, process.env, await findProjectDir());
  if (!loaded) {
    console.log(HELP);
    return EXIT.ok;
  }
  const log = createLogger(loaded.config.log);
  const daemon = await startDaemon(loaded, log).catch((error: unknown) => {
    throw listenFailure(error, loaded.config) ?? error;
  });
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
  // Without a handler SIGHUP would end the process: a daemon without a config file says so and goes on.
  const reload = () => reloadOnSignal(daemon, log);
  process.on('SIGHUP', reload);
  await stopped;
  process.off('SIGHUP', reload);
  return EXIT.ok;
}

/** The reload's outcome is logged by the daemon; a failure is logged here, as nobody else hears of it. */
function reloadOnSignal(daemon: Daemon, log: Logger) {
  daemon
    .reloadConfig()
    .catch((error: Error) => log.error('config reload on SIGHUP failed', { reason: error.message }));
}

/** An address that is taken or not ours is the user's to fix, not a bug in runyard: said so, with the way out. */
function listenFailure(error: unknown, { host, port }: Pick<DaemonConfig, 'host' | 'port'>) {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const elsewhere = 'or pass --listen HOST:PORT (port 0 takes any free port)';
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new CommandFailure(
        'address_in_use',
        `${address} is in use by another process: stop it, ${elsewhere}`,
      );
    case 'EACCES':
      return new CommandFailure(
        'address_not_permitted',
        `not permitted to listen on ${address}: ${elsewhere}`,
      );
    case 'EADDRNOTAVAIL':
      return new CommandFailure(
        'address_not_available',
        `${host} is no address of this machine: ${elsewhere}`,
      );
    default:
      return undefined;
  }
}
