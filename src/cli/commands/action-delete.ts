// `runyard action delete NAME`: removes an action that no service names; its past runs keep their actionId.
import { ActionName } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'NAME', completes: 'action' }],
} as const;

const HELP = `Usage: runyard action delete NAME [options]

Deletes the action NAME. Refused (exit 1) while a service names it: the message lists the services.
Runs it created stay, with their actionId.`;

export const actionDelete = oneCallCommand({
  help: HELP,
  declaration,
  schema: ActionName,
  call: (client, name) => client.action.delete({ name }),
  format: (result, name) =>
    result.deleted ? `deleted action ${name}\n` : `action ${name} was already gone\n`,
});
