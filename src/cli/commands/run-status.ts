// `runyard run status RUN_ID`: shows the current record of one run.
import { RunId } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { recordBlock } from './run-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'RUN_ID', completes: 'run-id' }],
} as const;

const HELP = `Usage: runyard run status RUN_ID [options]

Shows the current record of one run.`;

export const runStatus = oneCallCommand({
  help: HELP,
  declaration,
  schema: RunId,
  call: (client, runId) => client.run.status({ runId }),
  format: recordBlock,
});
