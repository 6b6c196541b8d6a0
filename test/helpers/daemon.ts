// Starts a real daemon process on port 0 with its own temp directories, torn down with the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import type { Test } from 'tap';
import WebSocket from 'ws';
import { connect, type RunyardClient } from 'runyard/client';
import { findStateDir } from '../../src/client/state-dir.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/runyard.js', import.meta.url));

/** The command line that runs `runyard`: an installed executable, or else node with this checkout's build. */
export const cliCommand = (bin?: string): [string, ...string[]] => (bin ? [bin] : [process.execPath, CLI]);

export interface TestDaemon {
  url: string;
  token: string;
  /** Real path of the runs directory (what the daemon reports). */
  runsDir: string;
  stateDir: string;
  /** The temp directory holding runs/ and state/. */
  home: string;
  child: ChildProcess;
  /** Everything the daemon wrote to stderr (its log) so far. */
  log(): string;
  /** An SDK client; closed with the test. */
  client(): Promise<RunyardClient>;
  /** A raw WebSocket with the token; closed with the test. */
  socket(options?: WebSocket.ClientOptions): Promise<RawSocket>;
  /** Sends a signal and waits for the process to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Reuse this temp directory (runs/ and state/ inside it), e.g. to restart on the same state. */
  home?: string;
  /**
   * Start `runyard serve` in this directory without --runs-dir and --state-dir, so that it picks them
   * as a user's would (and without the caller's RUNYARD_ variables); `home` is still made, and removed, with the test.
   */
  cwd?: string;
  /** With `cwd`: the state directory serve's settings choose (a config file's), when not the nearest .runyard. */
  stateDir?: string;
  /** An installed `runyard` executable to serve with instead of this checkout's build. */
  bin?: string;
}

export async function startDaemon(t: Test, options: StartOptions = {}): Promise<TestDaemon> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'runyard-test-')));
  if (!options.home) t.teardown(() => rm(home, { recursive: true, force: true }));
  const dirs = options.cwd ? [] : ['--runs-dir', join(home, 'runs'), '--state-dir', join(home, 'state')];
  const [command, ...cli] = cliCommand(options.bin);
  const child = spawn(
    command,
    [...cli, 'serve', '--listen', '127.0.0.1:0', ...dirs, ...(options.args ?? [])],
    {
      env: { ...(options.cwd ? withoutRunyardVariables(process.env) : process.env), ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  // If this test process dies before its teardown, take the daemon with it rather than orphan it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const forget = () => process.removeListener('exit', killOnExit);
  exited.then(forget, forget);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  t.teardown(async () => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await stop();
    clearTimeout(kill);
  });

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /runyard listening on (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`daemon exited (${code}) before listening:\n${stderr}`)), reject);
  });
  const stateDir = options.cwd
    ? (options.stateDir ?? (await findStateDir(options.cwd))!)
    : join(home, 'state');
  const token = (await readFile(join(stateDir, 'token'), 'utf8')).trim();
  const info = JSON.parse(await readFile(join(stateDir, 'daemon.json'), 'utf8')) as { url: string };
  if (info.url !== url) throw new Error(`daemon.json says ${info.url}, stdout says ${url}`);

  // Where serve put the runs directory is asked only when it chose one: an extra connection would
  // show in the log of every other test.
  const runsDir = options.cwd
    ? ((await fetchInfo(url, token)) as { runsDir: string }).runsDir
    : join(home, 'runs');
  return {
    url,
    token,
    runsDir: await realpathOf(runsDir),
    stateDir: await realpathOf(stateDir),
    home,
    child,
    log: () => stderr,
    stop,
    async client() {
      const client = await connect({ url, token });
      t.teardown(() => client.close());
      return client;
    },
    async socket(socketOptions = {}) {
      const socket = await openRawSocket(url, {
        headers: { authorization: `Bearer ${token}` },
        ...socketOptions,
      });
      t.teardown(() => socket.close());
      return socket;
    },
  };
}

async function fetchInfo(url: string, token: string): Promise<unknown> {
  const client = await connect({ url, token });
  try {
    return await client.daemon.info();
  } finally {
    await client.close();
  }
}

/** The environment without RUNYARD_ variables, so that only what a test passes decides where things go. */
export const withoutRunyardVariables = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('RUNYARD_')));

async function realpathOf(path: string): Promise<string> {
  const { realpath } = await import('node:fs/promises');
  return realpath(path);
}

/** A WebSocket that queues incoming messages, for sending raw frames and reading raw answers. */
export class RawSocket {
  readonly ws: WebSocket;
  readonly #messages: string[] = [];
  readonly #waiters: ((message: string) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const text = data.toString();
      const waiter = this.#waiters.shift();
      if (waiter) waiter(text);
      else this.#messages.push(text);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** The next message, parsed as JSON. */
  next(): Promise<unknown> {
    const queued = this.#messages.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
    return new Promise((resolve) => this.#waiters.push((text) => resolve(JSON.parse(text))));
  }

  /** Sends a frame (objects are JSON-encoded) and returns the next message. */
  request(frame: unknown): Promise<unknown> {
    this.send(frame);
    return this.next();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** True when no message arrives within `ms` (used only to prove silence, e.g. after notifications). */
  async silentFor(ms: number): Promise<boolean> {
    if (this.#messages.length > 0) return false;
    let waiter!: (text: string) => void;
    const arrived = new Promise<boolean>((resolve) => {
      waiter = (text) => {
        this.#messages.unshift(text);
        resolve(true);
      };
      this.#waiters.push(waiter);
    });
    const silent = await Promise.race([
      arrived.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms)),
    ]);
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    return silent;
  }

  close(): Promise<unknown> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.ws.close();
    return this.closed;
  }
}

export async function openRawSocket(
  url: string,
  options: WebSocket.ClientOptions & { protocols?: string[] } = {},
) {
  const ws = new WebSocket(url, options.protocols ?? [], options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return new RawSocket(ws);
}

/** The HTTP status a refused handshake answers with. */
export function handshakeStatus(
  url: string,
  options: WebSocket.ClientOptions & { protocols?: string[] } = {},
) {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], options);
    ws.on('unexpected-response', (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', (error) => {
      if (!/socket hang up|destroyed/.test(error.message)) reject(error);
    });
  });
}

/** True when the process no longer runs: gone, or a zombie waiting for a parent that may never reap it. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
