// `runyard action delete NAME`: removes an action that no service names; its past runs keep their actionId.
import { ActionName } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';

const HELP = `Usage: runyard action delete NAME [options]

Deletes the action NAME. Refused (exit 1) while a service names it: the message lists the services.
Runs it created stay, with their actionId.

${CLIENT_OPTIONS_HELP}`;

export const actionDelete = oneCallCommand({
  help: HELP,
  positional: 'NAME',
  schema: ActionName,
  call: (client, name) => client.action.delete({ name }),
  format: (result, name) =>
    result.deleted ? `deleted action ${name}\n` : `action ${name} was already gone\n`,
});
