// `runyard service get NAME`: shows one service and its actions with their restart policies.
import { ServiceName } from '../../schema/common.js';
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { serviceBlock } from './service-format.js';

const HELP = `Usage: runyard service get NAME [options]

Shows one service: its actions as ACTION[:RESTART], with any backoff and start limit.

${CLIENT_OPTIONS_HELP}`;

export const serviceGet = oneCallCommand({
  help: HELP,
  positional: 'NAME',
  schema: ServiceName,
  call: (client, name) => client.service.get({ name }),
  format: serviceBlock,
});
