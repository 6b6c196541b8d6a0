// The client an entry point's connect() returns: typed methods, run.follow and call() over one Session.
import { DEFAULT_CALL_TIMEOUT_MS } from './connection.js';
import { followRun, type FollowOptions } from './follow.js';
import { bindMethods, holdsFor, type CallOptions, type RunyardMethods } from './generated.js';
import type { FollowedEvent } from './output-frame.js';
import { Session, type ReconnectOptions } from './session.js';
import type { SocketOpener } from './socket.js';

export interface ConnectOptions {
  /** WebSocket URL, e.g. `ws://127.0.0.1:7370/rpc`. In Node the default is RUNYARD_URL, else the url in `<stateDir>/daemon.json`; a browser must give it. */
  url?: string;
  /**
   * Bearer token. In Node the default is RUNYARD_TOKEN, else the contents of `<stateDir>/token`. A page
   * gives it, except the daemon's own dashboard, which its session cookie lets in (`runyard dashboard`).
   */
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
     * reconnects and slow-consumer gaps: no event is lost or repeated. An output event carries `bytes`,
     * the chunk as the run wrote it, and `text`, decoded from them only when read.
     * ```ts
     * for await (const event of client.run.follow(runId, { fromSeq: 1 })) console.log(event);
     * ```
     */
    follow(runId: string, options?: FollowOptions): AsyncGenerator<FollowedEvent>;
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

export async function openClient(
  url: string,
  token: string | undefined,
  openSocket: SocketOpener,
  reconnect?: ReconnectOptions,
): Promise<RunyardClient> {
  const session = await Session.open(url, token, openSocket, reconnect);
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
