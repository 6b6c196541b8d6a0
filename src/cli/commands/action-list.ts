// `runyard action list`: every action, by name.
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { actionTable } from './action-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [],
} as const;

const HELP = `Usage: runyard action list [options]

Lists every action by name, with where it was set (rpc or config), its command and description.`;

export const actionList = oneCallCommand({
  help: HELP,
  declaration,
  call: (client) => client.action.list(),
  format: (result) => actionTable(result.actions),
});
