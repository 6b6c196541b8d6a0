// The SDK's public face, and its entry point for browsers and webviews (the `browser` export condition):
// it reaches only its sibling modules and the platform's WebSocket, never a Node module, so it loads as
// plain ES modules with no bundler. index.ts, the Node entry, is this plus finding the daemon on disk.
import { openClient, type ConnectOptions, type RunyardClient } from './client.js';
import { ConnectError } from './errors.js';
import { openNativeSocket } from './socket.js';

export type { ConnectOptions, RunyardClient } from './client.js';
export { ConnectError, ConnectionClosedError, RequestTimeoutError, RpcError } from './errors.js';
export type { ConnectFailure } from './errors.js';
export type { FollowOptions } from './follow.js';
export type { FollowedEvent, FollowedOutputEvent } from './output-frame.js';
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
  NodeUnavailableError,
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
  StoreUnavailableError,
  TooManyRequestsError,
  TooManySubscriptionsError,
  errorClasses,
  retainedStatuses,
  runStatuses,
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
  ClusterNode,
  ConfigReload,
  DaemonDashboardLoginParams,
  DaemonInfo,
  DaemonInfoParams,
  DaemonReloadConfigParams,
  DashboardLogin,
  ErrorInfo,
  Labels,
  NodeState,
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

/**
 * Connect to a runyard daemon from a browser or webview, which cannot read the state directory: give
 * the url and the token (see docs/sdk.md for where a page gets them). A page the daemon serves itself
 * (its dashboard) gives no token: the session cookie of `runyard dashboard`'s login lets it in.
 *
 * ```ts
 * const client = await connect({ url: 'ws://127.0.0.1:7370/rpc', token });
 * const run = await client.run.start({ argv: ['echo', 'hello'] });
 * ```
 * Rejects with ConnectError, whose `reason` says why: `unreachable`, `token_refused` (without a token:
 * not logged in), `origin_refused`.
 */
export async function connect(options: ConnectOptions = {}): Promise<RunyardClient> {
  const { url, token } = options;
  if (!url) throw new ConnectError('connect() needs { url, token } outside Node', 'no_daemon');
  return openClient(url, token || undefined, openNativeSocket, options.reconnect);
}
