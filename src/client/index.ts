// The runyard SDK for Node (the `node` export condition): connect to a daemon and call its methods with
// types generated from the contract. Everything but connect() is the browser entry's (browser.ts).
import { openClient, type ConnectOptions, type RunyardClient } from './client.js';
import { locateDaemon } from './locate-daemon.js';
import { openNodeSocket } from './node-socket.js';

// The browser entry is the SDK's one public face; this entry only adds how Node finds the daemon.
export * from './browser.js';

/**
 * Connect to a runyard daemon.
 *
 * ```ts
 * const client = await connect();
 * const run = await client.run.start({ argv: ['echo', 'hello'] });
 * ```
 * Rejects with ConnectError when the daemon cannot be found or reached or refuses the token, Origin or
 * Host; its `reason` says which (`no_daemon`, `no_token`, `unreachable`, `token_refused`, ...).
 */
export async function connect(options: ConnectOptions = {}): Promise<RunyardClient> {
  const { url, token } = await locateDaemon(options);
  return openClient(url, token, openNodeSocket, options.reconnect);
}
