// `runyard action list`: every action, by name.
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { actionTable } from './action-format.js';

const HELP = `Usage: runyard action list [options]

Lists every action by name, with where it was set (rpc or config), its command and description.

${CLIENT_OPTIONS_HELP}`;

export const actionList = oneCallCommand({
  help: HELP,
  call: (client) => client.action.list(),
  format: (result) => actionTable(result.actions),
});
