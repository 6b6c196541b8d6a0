// `runyard service status NAME`: the service's state and, per action, its run, uptime, restarts and last failure.
import { ServiceName } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { statusView } from './service-format.js';

const HELP = `Usage: runyard service status NAME [options]

Prints "NAME: STATE" (stopped, starting, running, degraded or failed), then one row per action: its
current run, the run's status, uptime, restarts since the service started and the reason of its last
failure.

${CLIENT_OPTIONS_HELP}`;

export const serviceStatus = oneCallCommand({
  help: HELP,
  positional: 'NAME',
  schema: ServiceName,
  call: (client, name) => client.service.status({ name }),
  format: (status) => statusView(status),
});
