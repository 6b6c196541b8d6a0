// `runyard version`: this CLI's version and, when a daemon can be reached, the daemon's (daemon.info).
import { ConnectError } from '../../client/index.js';
import { version } from '../../schema/version.js';
import { clientOptions, withClient, type ClientFlags } from '../client-options.js';
import { optionLines } from '../options.js';
import { EXIT, parseFlags } from '../usage.js';
import { print, printJson } from './run-format.js';

export const declaration = { options: clientOptions, positionals: [] } as const;

const HELP = `Usage: runyard version [options]

Prints the version of this runyard and, when a daemon can be reached, the daemon's version and URL.
No daemon is not a failure here: the command still exits 0. With --json:
{"version", "daemon": {"version", "url"} | null}.

${optionLines(clientOptions)}`;

export async function printVersion(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { allowPositionals: false, options: clientOptions });
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  let daemon: DaemonVersion | null = null;
  let unreached = '';
  try {
    daemon = await daemonVersion(values);
  } catch (error) {
    // Only "there is no daemon to ask" is an answer here; anything else still fails the command.
    if (!(error instanceof ConnectError)) throw error;
    unreached = error.message;
  }
  if (values.json) await printJson({ version, daemon });
  else
    await print(
      `runyard ${version}\n${daemon ? `daemon ${daemon.version} at ${daemon.url}` : `daemon: not reached (${unreached})`}\n`,
    );
  return EXIT.ok;
}

interface DaemonVersion {
  version: string;
  url: string;
}

async function daemonVersion(flags: ClientFlags): Promise<DaemonVersion> {
  const found: { daemon?: DaemonVersion } = {};
  await withClient(flags, async (client) => {
    const { version, url } = await client.daemon.info();
    found.daemon = { version, url };
    return EXIT.ok;
  });
  return found.daemon!;
}
