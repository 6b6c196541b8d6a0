// `runyard action delete NAME`: removes an action that no service names; its past runs keep their actionId.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';

const HELP = `Usage: runyard action delete NAME [options]

Deletes the action NAME. Refused (exit 1) while a service names it: the message lists the services.
Runs it created stay, with their actionId.

${CLIENT_OPTIONS_HELP}`;

export async function actionDelete(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const name = only('NAME', positionals);
  return withClient(values, async (client) => {
    const result = await client.action.delete({ name });
    await (values.json
      ? printJson(result)
      : print(result.deleted ? `deleted action ${name}\n` : `action ${name} was already gone\n`));
    return EXIT.ok;
  });
}
