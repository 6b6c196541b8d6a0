// `runyard action list`: every action, by name.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { actionTable } from './action-format.js';
import { print, printJson } from './run-format.js';

const HELP = `Usage: runyard action list [options]

Lists every action by name, with where it was set (rpc or config), its command and description.

${CLIENT_OPTIONS_HELP}`;

export async function actionList(args: string[]): Promise<number> {
  const { values } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: false, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  return withClient(values, async (client) => {
    const result = await client.action.list();
    await (values.json ? printJson(result) : print(actionTable(result.actions)));
    return EXIT.ok;
  });
}
