// `runyard run status RUN_ID`: shows the current record of one run.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { onlyRunId } from './run-args.js';
import { print, printJson, recordBlock } from './run-format.js';

const HELP = `Usage: runyard run status RUN_ID [options]

Shows the current record of one run.

${CLIENT_OPTIONS_HELP}`;

export async function runStatus(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const runId = onlyRunId(positionals);
  return withClient(values, async (client) => {
    const run = await client.run.status({ runId });
    await (values.json ? printJson(run) : print(recordBlock(run)));
    return EXIT.ok;
  });
}
