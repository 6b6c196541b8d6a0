// `runyard run status RUN_ID`: shows the current record of one run.
import { RunId } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { recordBlock } from './run-format.js';

const HELP = `Usage: runyard run status RUN_ID [options]

Shows the current record of one run.

${CLIENT_OPTIONS_HELP}`;

export const runStatus = oneCallCommand({
  help: HELP,
  positional: 'RUN_ID',
  schema: RunId,
  call: (client, runId) => client.run.status({ runId }),
  format: recordBlock,
});
