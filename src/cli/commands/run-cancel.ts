// `runyard run cancel RUN_ID`: cancels a queued or running run and prints how it ended.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { onlyRunId } from './run-args.js';
import { print, printJson, statusLine } from './run-format.js';

const HELP = `Usage: runyard run cancel RUN_ID [options]

Cancels a queued or running run and prints its final status; a finished run is left as it is.

${CLIENT_OPTIONS_HELP}`;

export async function runCancel(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({ args, strict: true, allowPositionals: true, options: clientOptions }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const runId = onlyRunId(positionals);
  return withClient(values, async (client) => {
    const run = await client.run.cancel({ runId });
    await (values.json ? printJson(run) : print(statusLine(run) + '\n'));
    return EXIT.ok;
  });
}
