// The connect → call → close cycle of every daemon-facing command, and the flags it reads (client-flags.ts).
import { connect, type RunyardClient } from '../client/index.js';
import { UsageError } from './usage.js';

export { clientOptions } from './client-flags.js';

export interface ClientFlags {
  url?: string | undefined;
  token?: string | undefined;
  'state-dir'?: string | undefined;
}

/**
 * Connects with the given flags, hands the client to `use` and always closes it. Failures (an error
 * answer, no daemon, a dropped connection, a timeout) propagate to src/cli/report-error.ts, which
 * prints them and picks the exit code.
 */
export async function withClient(
  flags: ClientFlags,
  use: (client: RunyardClient) => Promise<number>,
): Promise<number> {
  // Checked here so a typo in --url is a usage error rather than a connection failure.
  if (flags.url !== undefined && !isWebSocketUrl(flags.url)) {
    throw new UsageError(`--url must be a ws:// or wss:// URL, got "${flags.url}"`);
  }
  const client = await connect({
    url: flags.url,
    token: flags.token,
    // Without the flag the SDK looks as the CLI does: RUNYARD_STATE_DIR, else the nearest .runyard.
    stateDir: flags['state-dir'],
  });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

function isWebSocketUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'ws:' || protocol === 'wss:';
  } catch {
    return false;
  }
}
