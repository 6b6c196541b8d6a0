// `runyard run cancel RUN_ID`: cancels a queued or running run and prints how it ended.
import { RunId } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { statusLine } from './run-format.js';

const HELP = `Usage: runyard run cancel RUN_ID [options]

Cancels a queued or running run and prints its final status; a finished run is left as it is.

${CLIENT_OPTIONS_HELP}`;

export const runCancel = oneCallCommand({
  help: HELP,
  positional: 'RUN_ID',
  schema: RunId,
  call: (client, runId) => client.run.cancel({ runId }),
  format: (run) => statusLine(run) + '\n',
});
