// The page's one connection: same origin, no token (the daemon reads the session cookie that
// `runyard dashboard`'s login URL set), and what to show when it fails.
import { connect, type RunyardClient } from '../client/browser.js';
import { isLoggedOut } from './components.js';

export type Connection =
  | { state: 'connecting' }
  | { state: 'ready'; client: RunyardClient }
  | { state: 'login' }
  | { state: 'failed'; message: string };

export const rpcUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc`;

export async function openConnection(): Promise<Connection> {
  try {
    return { state: 'ready', client: await connect({ url: rpcUrl() }) };
  } catch (error) {
    if (isLoggedOut(error)) return { state: 'login' };
    return { state: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}
