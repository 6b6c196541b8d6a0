// `runyard service get NAME`: shows one service and its actions with their restart policies.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';
import { serviceBlock } from './service-format.js';

const HELP = `Usage: runyard service get NAME [options]

Shows one service: its actions as ACTION[:RESTART], with any backoff and start limit.

${CLIENT_OPTIONS_HELP}`;

export async function serviceGet(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const name = only('NAME', positionals);
  return withClient(values, async (client) => {
    const service = await client.service.get({ name });
    await (values.json ? printJson(service) : print(serviceBlock(service)));
    return EXIT.ok;
  });
}
