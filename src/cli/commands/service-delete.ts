// `runyard service delete NAME`: stops a service and deletes it; its runs stay, with their serviceId.
import { ServiceName } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service delete NAME [options]

Stops the service NAME (cancelling its active runs) and deletes it. Its runs stay, with their serviceId;
its actions stay too.`;

export const serviceDelete = oneCallCommand({
  help: HELP,
  declaration,
  schema: ServiceName,
  call: (client, name) => client.service.delete({ name }),
  format: (result, name) =>
    result.deleted ? `deleted service ${name}\n` : `service ${name} was already gone\n`,
});
