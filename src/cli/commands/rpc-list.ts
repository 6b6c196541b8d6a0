// `runyard rpc list`: every method the connected daemon can be called with, and its summary.
import { CLIENT_OPTIONS_HELP } from '../client-options.js';
import { discoverContract } from '../contract-document.js';
import { oneCallCommand } from './one-call.js';
import { methodTable } from './rpc-format.js';

const HELP = `Usage: runyard rpc list [options]

Lists every method of the connected daemon's contract (its rpc.discover), each with its summary; with
--json, as [{"name", "summary"}]. Notifications are not listed: they cannot be called.

${CLIENT_OPTIONS_HELP}`;

export const rpcList = oneCallCommand({
  help: HELP,
  call: async (client) =>
    (await discoverContract(client)).methods.map(({ name, summary }) => ({ name, summary: summary ?? '' })),
  format: methodTable,
});
