// `runyard service list`: every service, by name.
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { serviceTable } from './service-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [],
} as const;

const HELP = `Usage: runyard service list [options]

Lists every service by name, with where it was set (rpc or config), its actions and description.`;

export const serviceList = oneCallCommand({
  help: HELP,
  declaration,
  call: (client) => client.service.list(),
  format: (result) => serviceTable(result.services),
});
