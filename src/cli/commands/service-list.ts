// `runyard service list`: every service, by name.
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { serviceTable } from './service-format.js';

const HELP = `Usage: runyard service list [options]

Lists every service by name, with where it was set (rpc or config), its actions and description.

${CLIENT_OPTIONS_HELP}`;

export const serviceList = oneCallCommand({
  help: HELP,
  call: (client) => client.service.list(),
  format: (result) => serviceTable(result.services),
});
