// `runyard action get NAME`: shows one action, with the names of its environment variables but not their values.
import { ActionName } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { actionBlock } from './action-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'NAME', completes: 'action' }],
} as const;

const HELP = `Usage: runyard action get NAME [options]

Shows one action. Its environment variables are listed by name only; --json prints the stored spec as
the daemon returns it, values included.`;

export const actionGet = oneCallCommand({
  help: HELP,
  declaration,
  schema: ActionName,
  call: (client, name) => client.action.get({ name }),
  format: actionBlock,
});
