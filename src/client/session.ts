// A client's link to the daemon across reconnects: calls go to the current connection, which is
// re-opened on demand with exponential backoff and jitter, and never after a refusal.
import { Connection } from './connection.js';
import { ConnectError, ConnectionClosedError } from './errors.js';
import { REFUSAL_CLOSE_CODES, retrySafe, type CallOptions } from './generated.js';
import type { SocketOpener } from './socket.js';

export interface ReconnectOptions {
  /** First delay before reconnecting. Default: 100. */
  initialDelayMs?: number;
  /** Largest delay between attempts. Default: 5000. */
  maxDelayMs?: number;
  /** Stop trying after this long without a connection. Default: 30000. */
  giveUpAfterMs?: number;
}

const isRetrySafe = (method: string, params: object) => {
  const rule = retrySafe[method];
  return (
    rule === true || (typeof rule === 'string' && (params as Record<string, unknown>)[rule] !== undefined)
  );
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A connection the daemon has accepted. The platform's WebSocket reports `open` for a handshake the
 * daemon refuses in band too; that refusal (a close with 4401 or 4403, sent before the daemon reads
 * anything) always arrives before the answer to a first call, so one small call tells them apart.
 */
async function openConnection(
  url: string,
  token: string | undefined,
  openSocket: SocketOpener,
): Promise<Connection> {
  const connection = new Connection(await openSocket(url, token));
  try {
    await connection.call('daemon.info', {});
  } catch (error) {
    await connection.close();
    throw error instanceof ConnectionClosedError
      ? closedAtOnce(url, error.closeCode, token !== undefined)
      : error;
  }
  return connection;
}

function closedAtOnce(url: string, closeCode: number | undefined, hadToken: boolean): ConnectError {
  if (closeCode === REFUSAL_CLOSE_CODES.token_refused) {
    const what = hadToken ? 'the token' : 'this page: not logged in (run `runyard dashboard`)';
    return new ConnectError(`runyard at ${url} refused ${what} (close code ${closeCode})`, 'token_refused', {
      closeCode,
    });
  }
  if (closeCode === REFUSAL_CLOSE_CODES.origin_refused)
    return new ConnectError(
      `runyard at ${url} refused this page's Origin (close code ${closeCode}); start it with --allow-origin`,
      'origin_refused',
      { closeCode },
    );
  // Any other close (the daemon shutting down as we came) is worth another try.
  return new ConnectError(`runyard at ${url} closed the connection at once (${closeCode})`, 'unreachable', {
    ...(closeCode === undefined ? {} : { closeCode }),
  });
}

export class Session {
  readonly #url: string;
  readonly #token: string | undefined;
  readonly #openSocket: SocketOpener;
  readonly #reconnect: Required<ReconnectOptions>;
  #current: Connection;
  #reopening: Promise<Connection> | undefined;
  #closed = false;

  private constructor(
    url: string,
    token: string | undefined,
    openSocket: SocketOpener,
    first: Connection,
    reconnect: ReconnectOptions,
  ) {
    this.#url = url;
    this.#token = token;
    this.#openSocket = openSocket;
    this.#current = first;
    this.#reconnect = { initialDelayMs: 100, maxDelayMs: 5_000, giveUpAfterMs: 30_000, ...reconnect };
  }

  /** One attempt: connect() fails at once, whatever the reason, and says why. */
  static async open(
    url: string,
    token: string | undefined,
    openSocket: SocketOpener,
    reconnect: ReconnectOptions = {},
  ): Promise<Session> {
    const first = await openConnection(url, token, openSocket);
    return new Session(url, token, openSocket, first, reconnect);
  }

  /** The open connection, re-opened first if it was lost. An aborted `signal` stops the waiting. */
  async connection(signal?: AbortSignal): Promise<Connection> {
    if (this.#closed) throw new ConnectionClosedError('the client was closed');
    if (!this.#current.isClosed) return this.#current;
    this.#reopening ??= this.#reopen().finally(() => (this.#reopening = undefined));
    if (!signal) return this.#reopening;
    signal.throwIfAborted();
    return Promise.race([
      this.#reopening,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ]);
  }

  /**
   * Sends a call. A call cut off by a lost connection is sent again after reconnecting only when
   * repeating it is harmless (the contract's x-retry-safe): run.start only with an idempotencyKey.
   */
  async call(method: string, params: object, options: CallOptions): Promise<unknown> {
    const connection = await this.connection();
    try {
      return await connection.call(method, params, options);
    } catch (error) {
      if (!(error instanceof ConnectionClosedError) || this.#closed || !isRetrySafe(method, params))
        throw error;
      return (await this.connection()).call(method, params, options);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#current.close();
  }

  async #reopen(): Promise<Connection> {
    const { initialDelayMs, maxDelayMs, giveUpAfterMs } = this.#reconnect;
    const giveUpAt = Date.now() + giveUpAfterMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const connection = await openConnection(this.#url, this.#token, this.#openSocket);
        if (this.#closed) {
          await connection.close(); // close() came while we were connecting
          throw new ConnectionClosedError('the client was closed');
        }
        this.#current = connection;
        return connection;
      } catch (error) {
        if (error instanceof ConnectionClosedError) throw error;
        // A refusal (bad token, foreign Origin) will not change by retrying.
        if (error instanceof ConnectError && error.isRefusal) throw error;
        if (this.#closed || Date.now() >= giveUpAt) throw error;
      }
      // Full jitter: many clients of a restarted daemon do not all come back at once.
      await sleep(Math.random() * Math.min(maxDelayMs, initialDelayMs * 2 ** attempt));
    }
  }
}
