// Transport constants of the contract: where the daemon listens, where a client finds it and its token,
// and how a browser presents the token.

export const DEFAULT_LISTEN = '127.0.0.1:7370';
export const RPC_PATH = '/rpc';
/** Clients offer this subprotocol; the daemon selects it. */
export const PROTOCOL = 'runyard.v1';
/** Browsers cannot set headers on a WebSocket handshake, so they offer `runyard.bearer.<token>` too. */
export const BEARER_PREFIX = 'runyard.bearer.';

/**
 * Sent by a node that forwards a call to the node holding a run (its value: the sender's node id). The
 * receiver answers such a call itself, never forwarding it on, so no call can loop between nodes.
 */
export const FORWARDED_BY_HEADER = 'x-runyard-forwarded-by';

/** The state directory when none is given, relative to the working directory. */
export const DEFAULT_STATE_DIR = '.runyard';
/** The runs directory when none is given, relative to the working directory. */
export const DEFAULT_RUNS_DIR = 'runs';
/** The environment variables that stand in for `--state-dir` and `--runs-dir`. */
export const STATE_DIR_ENV = 'RUNYARD_STATE_DIR';
export const RUNS_DIR_ENV = 'RUNYARD_RUNS_DIR';
/** `<state-dir>/daemon.json`: the live daemon's url and process, written once it listens, removed when it stops. */
export const DAEMON_FILE = 'daemon.json';
/** `<state-dir>/token`: the bearer token, mode 0600. */
export const TOKEN_FILE = 'token';

/**
 * Where the SDK and the CLI take the daemon's address and token from. They are a client's credentials:
 * a daemon started with them set must not hand them to every run (see withoutDaemonCredentials).
 */
export const CREDENTIAL_ENV_NAMES = ['RUNYARD_TOKEN', 'RUNYARD_URL'] as const;

/**
 * WebSocket close codes (4000-4999: private use, RFC 6455 §7.4.2) with which the daemon refuses a
 * browser-style handshake (one that offers `runyard.v1` and sends no `Authorization` header): a page
 * cannot read an HTTP status, only a close code. Other clients get HTTP 401 and 403.
 */
export const REFUSAL_CLOSE_CODES = { token_refused: 4401, origin_refused: 4403 } as const;
