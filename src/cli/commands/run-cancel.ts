// `runyard run cancel RUN_ID`: cancels a queued or running run and prints how it ended.
import { RunId } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { statusLine } from './run-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'RUN_ID', completes: 'run-id' }],
} as const;

const HELP = `Usage: runyard run cancel RUN_ID [options]

Cancels a queued or running run and prints its final status; a finished run is left as it is.`;

export const runCancel = oneCallCommand({
  help: HELP,
  declaration,
  schema: RunId,
  call: (client, runId) => client.run.cancel({ runId }),
  format: (run) => statusLine(run) + '\n',
});
