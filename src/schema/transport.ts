// Transport constants of the contract: where the daemon listens and how a browser presents its token.

export const DEFAULT_LISTEN = '127.0.0.1:7370';
export const RPC_PATH = '/rpc';
/** Clients offer this subprotocol; the daemon selects it. */
export const PROTOCOL = 'runyard.v1';
/** Browsers cannot set headers on a WebSocket handshake, so they offer `runyard.bearer.<token>` too. */
export const BEARER_PREFIX = 'runyard.bearer.';
