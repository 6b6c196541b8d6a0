// `runyard service list`: every service, by name.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { print, printJson } from './run-format.js';
import { serviceTable } from './service-format.js';

const HELP = `Usage: runyard service list [options]

Lists every service by name, with where it was set (rpc or config), its actions and description.

${CLIENT_OPTIONS_HELP}`;

export async function serviceList(args: string[]): Promise<number> {
  const { values } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: false, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  return withClient(values, async (client) => {
    const result = await client.service.list();
    await (values.json ? printJson(result) : print(serviceTable(result.services)));
    return EXIT.ok;
  });
}
