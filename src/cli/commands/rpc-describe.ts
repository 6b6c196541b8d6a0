// `runyard rpc describe METHOD`: one method of the connected daemon, as its rpc.discover describes it.
import { clientOptions } from '../client-options.js';
import { discoverContract } from '../contract-document.js';
import { oneCallCommand } from './one-call.js';
import { methodBlock } from './rpc-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'METHOD', completes: 'method' }],
} as const;

const HELP = `Usage: runyard rpc describe METHOD [options]

Shows one method of the connected daemon: its params with their types, defaults and required marks,
its result, the errors it answers with (code and reason), and an example \`runyard rpc\` call. With
--json, the method as the daemon's rpc.discover describes it.`;

export const rpcDescribe = oneCallCommand({
  help: HELP,
  declaration,
  call: async (client, name) => {
    const contract = await discoverContract(client);
    return { contract, method: contract.method(name) };
  },
  format: ({ contract, method }) => methodBlock(method, contract),
  json: ({ method }) => method,
});
