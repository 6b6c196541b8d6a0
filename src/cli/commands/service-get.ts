// `runyard service get NAME`: shows one service and its actions with their restart policies.
import { ServiceName } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { serviceBlock } from './service-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service get NAME [options]

Shows one service: its actions as ACTION[:RESTART], with any backoff and start limit.`;

export const serviceGet = oneCallCommand({
  help: HELP,
  declaration,
  schema: ServiceName,
  call: (client, name) => client.service.get({ name }),
  format: serviceBlock,
});
