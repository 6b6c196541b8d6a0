// `runyard action get NAME`: shows one action, with the names of its environment variables but not their values.
import { ActionName } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { actionBlock } from './action-format.js';

const HELP = `Usage: runyard action get NAME [options]

Shows one action. Its environment variables are listed by name only; --json prints the stored spec as
the daemon returns it, values included.

${CLIENT_OPTIONS_HELP}`;

export const actionGet = oneCallCommand({
  help: HELP,
  positional: 'NAME',
  schema: ActionName,
  call: (client, name) => client.action.get({ name }),
  format: actionBlock,
});
