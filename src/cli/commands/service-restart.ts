// `runyard service restart NAME`: stops the service, then starts it clean.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';
import { statusView } from './service-format.js';

const HELP = `Usage: runyard service restart NAME [options]

Stops the service, then starts it as \`runyard service start\` does (its old runs cancelled and removed
from the index), and prints its status.

${CLIENT_OPTIONS_HELP}`;

export async function serviceRestart(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const name = only('NAME', positionals);
  return withClient(values, async (client) => {
    const status = await client.service.restart({ name });
    await (values.json ? printJson(status) : print(statusView(status)));
    return EXIT.ok;
  });
}
