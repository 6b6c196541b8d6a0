// The runyard SDK: connect to a daemon and call its methods with types generated from the contract.
import { DEFAULT_CALL_TIMEOUT_MS } from './connection.js';
import { ConnectError } from './errors.js';
import { followRun, type FollowOptions } from './follow.js';
import {
  bindMethods,
  DAEMON_FILE,
  DEFAULT_STATE_DIR,
  holdsFor,
  STATE_DIR_ENV,
  TOKEN_FILE,
  type CallOptions,
  type RunEvent,
  type RunyardMethods,
} from './generated.js';
import { Session, type ReconnectOptions } from './session.js';
import { findStateDir } from './state-dir.js';

export { ConnectError, ConnectionClosedError, RequestTimeoutError, RpcError } from './errors.js';
export type { ConnectFailure } from './errors.js';
export type { FollowOptions } from './follow.js';
export type { ReconnectOptions } from './session.js';
export {
  ActionInUseError,
  ActionNotFoundError,
  ArtifactNotFoundError,
  CommandNotFoundError,
  ConfigInvalidError,
  ConfigNotSetError,
  CwdNotFoundError,
  DaemonShuttingDownError,
  IndexFailedError,
  ListCursorInvalidError,
  OutputDirBusyError,
  OutputDirNotEmptyError,
  PathAbsoluteError,
  PathBackslashError,
  PathNotFileError,
  PathNotNormalizedError,
  PathNotServedError,
  PathNulByteError,
  PathOutsideRunsDirError,
  PathParentSegmentError,
  PathPercentEncodedError,
  PathSymlinkEscapeError,
  QueueFullError,
  RetainedRunNotFoundError,
  RunDirFailedError,
  RunIdInvalidError,
  RunNotFoundError,
  SeqNotAvailableError,
  ServiceNotFoundError,
  TooManySubscriptionsError,
  errorClasses,
} from './generated.js';
export type {
  Action,
  ActionDeleteParams,
  ActionGetParams,
  ActionListParams,
  ActionName,
  ActionSetParams,
  ActionSpec,
  ArtifactEntry,
  CallOptions,
  ConfigReload,
  DaemonInfo,
  DaemonInfoParams,
  DaemonReloadConfigParams,
  ErrorInfo,
  Labels,
  Progress,
  RetainedArtifactManifest,
  RetainedArtifactManifestParams,
  RetainedChunk,
  RetainedLatestParams,
  RetainedListParams,
  RetainedListResult,
  RetainedProblemsParams,
  RetainedProblemsResult,
  RetainedReadArtifactParams,
  RetainedReadParams,
  RetainedReport,
  RetainedReportsParams,
  RetainedReportsResult,
  RetainedRun,
  RetainedRunName,
  RetainedStatus,
  RetryPolicy,
  RunCancelParams,
  RunDirProblem,
  RunError,
  RunErrorReason,
  RunEvent,
  RunEventNotification,
  RunEventsParams,
  RunEventsResult,
  RunGapNotification,
  RunId,
  RunListParams,
  RunListResult,
  RunLogsParams,
  RunLogsResult,
  RunRecord,
  RunStartParams,
  RunStatus,
  RunStatusParams,
  RunSubscribeParams,
  RunSubscription,
  RunUnsubscribeParams,
  RunWaitParams,
  RunyardMethods,
  RunyardNotifications,
  Service,
  ServiceAction,
  ServiceDeleteParams,
  ServiceGetParams,
  ServiceListParams,
  ServiceName,
  ServiceRestartParams,
  ServiceSetParams,
  ServiceSpec,
  ServiceStartParams,
  ServiceState,
  ServiceStatus,
  ServiceStatusParams,
  ServiceStopParams,
  Timestamp,
} from './generated.js';

export interface ConnectOptions {
  /** WebSocket URL, e.g. `ws://127.0.0.1:7370/rpc`. Default: RUNYARD_URL, else the url in `<stateDir>/daemon.json`. */
  url?: string;
  /** Bearer token. Default: RUNYARD_TOKEN, else the contents of `<stateDir>/token`. */
  token?: string;
  /**
   * Where to look for daemon.json and token when url or token is not given (Node only). Default:
   * RUNYARD_STATE_DIR, else the nearest `.runyard` in the working directory or a parent (as git finds `.git`).
   */
  stateDir?: string;
  /** How a lost connection is re-opened (on the next call, or by run.follow). */
  reconnect?: ReconnectOptions;
}

export interface RunyardClient extends RunyardMethods {
  run: RunyardMethods['run'] & {
    /**
     * The run's events, replayed from `fromSeq` and then live, ending after its `end` event. Survives
     * reconnects and slow-consumer gaps: no event is lost or repeated.
     * ```ts
     * for await (const event of client.run.follow(runId, { fromSeq: 1 })) console.log(event);
     * ```
     */
    follow(runId: string, options?: FollowOptions): AsyncGenerator<RunEvent>;
  };
  /**
   * Call any method by name; the typed methods are shortcuts for this. A lost connection is re-opened
   * on the next call. A call cut off by a lost connection is repeated only when that is harmless
   * (run.start only when it carries an idempotencyKey); otherwise it rejects with ConnectionClosedError.
   */
  call(method: string, params?: object, options?: CallOptions): Promise<unknown>;
  /** Close the connection for good; pending calls reject with ConnectionClosedError. */
  close(): Promise<void>;
}

/**
 * Connect to a runyard daemon.
 *
 * ```ts
 * const client = await connect();
 * const run = await client.run.start({ argv: ['echo', 'hello'] });
 * ```
 * Rejects with ConnectError when the daemon cannot be reached or refuses the token, Origin or Host.
 */
export async function connect(options: ConnectOptions = {}): Promise<RunyardClient> {
  const { url, token } = await locateDaemon(options);
  const session = await Session.open(url, token, options.reconnect);
  const call = (method: string, params: object = {}, callOptions: CallOptions = {}) => {
    const held = holdsFor[method];
    const heldMs = held ? ((params as Record<string, unknown>)[held.param] ?? held.defaultMs) : undefined;
    // A call that asks the daemon to hold it open for N ms must not time out on our side first.
    const timeoutMs =
      callOptions.timeoutMs ?? (typeof heldMs === 'number' ? heldMs + DEFAULT_CALL_TIMEOUT_MS : undefined);
    return session.call(method, params, { ...callOptions, ...(timeoutMs ? { timeoutMs } : {}) });
  };
  const methods = bindMethods(call);
  return {
    ...methods,
    run: { ...methods.run, follow: (runId, followOptions) => followRun(session, runId, followOptions) },
    call,
    close: () => session.close(),
  };
}

async function locateDaemon(options: ConnectOptions): Promise<{ url: string; token: string }> {
  const nodeProcess = (globalThis as { process?: { env: Record<string, string | undefined>; cwd(): string } })
    .process;
  const env = nodeProcess?.env ?? {};
  let url = options.url ?? env.RUNYARD_URL;
  let token = options.token ?? env.RUNYARD_TOKEN;
  if (url && token) return { url, token };
  if (!nodeProcess) {
    throw new ConnectError('connect() needs { url, token } outside Node');
  }
  const stateDir = options.stateDir ?? env[STATE_DIR_ENV] ?? (await findStateDir(nodeProcess.cwd()));
  if (stateDir === undefined) {
    throw new ConnectError(
      `no runyard daemon found: no ${DEFAULT_STATE_DIR} directory here or in any parent (start one with \`runyard serve\`)`,
    );
  }
  // Imported lazily so that browsers, which always pass url and token, never load Node modules.
  const [{ readFile }, { join }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  if (!url) {
    const infoPath = join(stateDir, DAEMON_FILE);
    try {
      url = (JSON.parse(await readFile(infoPath, 'utf8')) as { url: string }).url;
    } catch {
      throw new ConnectError(
        `no runyard daemon found: ${infoPath} is missing (start one with \`runyard serve\`)`,
      );
    }
  }
  if (!token) {
    const tokenPath = join(stateDir, TOKEN_FILE);
    try {
      token = (await readFile(tokenPath, 'utf8')).trim();
    } catch {
      throw new ConnectError(
        `cannot read the daemon token at ${tokenPath} (set RUNYARD_TOKEN or pass { token })`,
        undefined,
        'no_token',
      );
    }
  }
  return { url, token };
}
