// `runyard service status NAME`: the service's state and, per action, its run, uptime, restarts and last failure.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';
import { statusView } from './service-format.js';

const HELP = `Usage: runyard service status NAME [options]

Prints "NAME: STATE" (stopped, starting, running, degraded or failed), then one row per action: its
current run, the run's status, uptime, restarts since the service started and the reason of its last
failure.

${CLIENT_OPTIONS_HELP}`;

export async function serviceStatus(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const name = only('NAME', positionals);
  return withClient(values, async (client) => {
    const status = await client.service.status({ name });
    await (values.json ? printJson(status) : print(statusView(status)));
    return EXIT.ok;
  });
}
