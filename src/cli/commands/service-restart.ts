// `runyard service restart NAME`: stops the service, then starts it clean.
import { ServiceName } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { statusView } from './service-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service restart NAME [options]

Stops the service, then starts it as \`runyard service start\` does (its old runs cancelled and removed
from the index), and prints its status.`;

export const serviceRestart = oneCallCommand({
  help: HELP,
  declaration,
  schema: ServiceName,
  call: (client, name) => client.service.restart({ name }),
  format: (status) => statusView(status),
});
