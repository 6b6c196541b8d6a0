// `runyard action get NAME`: shows one action, with the names of its environment variables but not their values.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { actionBlock } from './action-format.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';

const HELP = `Usage: runyard action get NAME [options]

Shows one action. Its environment variables are listed by name only; --json prints the stored spec as
the daemon returns it, values included.

${CLIENT_OPTIONS_HELP}`;

export async function actionGet(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const name = only('NAME', positionals);
  return withClient(values, async (client) => {
    const action = await client.action.get({ name });
    await (values.json ? printJson(action) : print(actionBlock(action)));
    return EXIT.ok;
  });
}
