// `runyard service restart NAME`: stops the service, then starts it clean.
import { ServiceName } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { statusView } from './service-format.js';

const HELP = `Usage: runyard service restart NAME [options]

Stops the service, then starts it as \`runyard service start\` does (its old runs cancelled and removed
from the index), and prints its status.

${CLIENT_OPTIONS_HELP}`;

export const serviceRestart = oneCallCommand({
  help: HELP,
  positional: 'NAME',
  schema: ServiceName,
  call: (client, name) => client.service.restart({ name }),
  format: (status) => statusView(status),
});
