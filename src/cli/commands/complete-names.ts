// `runyard __complete KIND`: the names the completion script asks a running daemon for, one a line.
import type { RunyardClient } from '../../client/index.js';
import { withClient } from '../client-options.js';
import { discoverContract } from '../contract-document.js';
import { EXIT } from '../usage.js';
import { print } from './run-format.js';

// Enough to pick a recent run from; a completion that waits on a long list is worse than none.
const RECENT_RUNS = 30;

const NAMES: Record<string, (client: RunyardClient) => Promise<string[]>> = {
  'run-id': async (client) => (await client.run.list({ limit: RECENT_RUNS })).runs.map((run) => run.runId),
  action: async (client) => (await client.action.list()).actions.map(({ spec }) => spec.name),
  service: async (client) => (await client.service.list()).services.map(({ spec }) => spec.name),
  name: async (client) => [...(await NAMES.service!(client)), ...(await NAMES.action!(client))],
  method: async (client) => (await discoverContract(client)).methods.map((method) => method.name),
};

export async function completeNames(args: string[]): Promise<number> {
  const names = Object.hasOwn(NAMES, args[0] ?? '') ? NAMES[args[0]!]! : undefined;
  if (!names) return EXIT.usage;
  try {
    await withClient({}, async (client) => {
      await print((await names(client)).map((name) => `${name}\n`).join(''));
      return EXIT.ok;
    });
  } catch {
    // Deliberately silent: whatever it prints lands in the user's prompt, and no daemon means no names.
  }
  return EXIT.ok;
}
