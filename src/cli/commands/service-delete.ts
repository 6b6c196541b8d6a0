// `runyard service delete NAME`: stops a service and deletes it; its runs stay, with their serviceId.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';

const HELP = `Usage: runyard service delete NAME [options]

Stops the service NAME (cancelling its active runs) and deletes it. Its runs stay, with their serviceId;
its actions stay too.

${CLIENT_OPTIONS_HELP}`;

export async function serviceDelete(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const name = only('NAME', positionals);
  return withClient(values, async (client) => {
    const result = await client.service.delete({ name });
    await (values.json
      ? printJson(result)
      : print(result.deleted ? `deleted service ${name}\n` : `service ${name} was already gone\n`));
    return EXIT.ok;
  });
}
