// `runyard rpc list`: every method the connected daemon can be called with, and its summary.
import { clientOptions } from '../client-options.js';
import { discoverContract } from '../contract-document.js';
import { oneCallCommand } from './one-call.js';
import { methodTable } from './rpc-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [],
} as const;

const HELP = `Usage: runyard rpc list [options]

Lists every method of the connected daemon's contract (its rpc.discover), each with its summary; with
--json, as [{"name", "summary"}]. Notifications are not listed: they cannot be called.`;

export const rpcList = oneCallCommand({
  help: HELP,
  declaration,
  call: async (client) =>
    (await discoverContract(client)).methods.map(({ name, summary }) => ({ name, summary: summary ?? '' })),
  format: methodTable,
});
