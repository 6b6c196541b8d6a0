// Composes the daemon: state dir and token, store, engine, RPC, transport; shuts them down in reverse.
import { mkdir, readFile, realpath, rm } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { Logger } from '../log.js';
import { RunEngine } from '../runs/engine.js';
import type { DaemonInfo } from '../schema/daemon.js';
import { rpcDiscover } from '../schema/discover.js';
import { methods } from '../schema/index.js';
import { buildOpenRpcDocument } from '../schema/openrpc.js';
import { version } from '../schema/version.js';
import { MemoryStore } from '../store/memory.js';
import { Connections } from './connections.js';
import { daemonHandlers } from './methods/daemon.js';
import { runHandlers } from './methods/run.js';
import type { CallContext, MethodHandlers } from './methods/types.js';
import { RpcDispatcher, type Handler } from './rpc.js';
import { startServer } from './server.js';
import { loadOrCreateToken } from './token.js';

export interface DaemonConfig {
  host: string;
  port: number;
  runsDir: string;
  stateDir: string;
  allowOrigins: readonly string[];
  maxConcurrent: number;
  maxQueued: number;
  killGraceMs: number;
  maxPayloadBytes: number;
  maxBatchSize: number;
}

export interface Daemon {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

export class DaemonStartError extends Error {}

export async function startDaemon(config: DaemonConfig, log: Logger): Promise<Daemon> {
  const stateDir = await prepareStateDir(config.stateDir);
  const token = await loadOrCreateToken(stateDir);
  await mkdir(config.runsDir, { recursive: true });
  const runsDir = await realpath(config.runsDir);
  const startedAt = new Date().toISOString();

  const store = new MemoryStore();
  const engine = new RunEngine({
    runsDir,
    store,
    maxConcurrent: config.maxConcurrent,
    maxQueued: config.maxQueued,
    killGraceMs: config.killGraceMs,
    log,
  });
  const openrpcJson = `${JSON.stringify(buildOpenRpcDocument(), null, 2)}\n`;
  let url = '';
  const info = (): DaemonInfo => ({
    version,
    pid: process.pid,
    startedAt,
    url,
    runsDir,
    stateDir,
    limits: { maxPayloadBytes: config.maxPayloadBytes, maxBatchSize: config.maxBatchSize },
  });
  const handlers: MethodHandlers & { 'rpc.discover': Handler<CallContext> } = {
    ...daemonHandlers(info),
    ...runHandlers(engine),
    'rpc.discover': async () => JSON.parse(openrpcJson),
  };
  const dispatcher = new RpcDispatcher<CallContext>(
    [...methods, rpcDiscover],
    handlers as Record<string, Handler<CallContext>>,
    { maxBatchSize: config.maxBatchSize },
    log,
  );
  const connections = new Connections(dispatcher, engine, log);
  const server = await startServer({
    host: config.host,
    port: config.port,
    policy: { token, allowOrigins: new Set(config.allowOrigins), allowHosts: allowedHosts(config.host) },
    maxPayloadBytes: config.maxPayloadBytes,
    openrpcJson,
    onConnection: (socket) => connections.accept(socket),
  });
  url = server.url;
  const daemonJson = join(stateDir, 'daemon.json');
  await writeJsonAtomic(daemonJson, { url, pid: process.pid, version, startedAt });
  log.info('daemon started', { url, runsDir, stateDir, pid: process.pid });

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        await engine.close();
        await connections.close();
        await server.close();
        await store.close();
        await rm(daemonJson, { force: true });
        log.info('daemon stopped');
      })()),
  };
}

/** Creates the state directory and refuses to share it with a daemon that is still alive. */
async function prepareStateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stateDir = await realpath(dir);
  let previous: { pid?: number; url?: string } | undefined;
  try {
    previous = JSON.parse(await readFile(join(stateDir, 'daemon.json'), 'utf8'));
  } catch {
    previous = undefined; // none, or left half-read by a crash: either way not a live daemon's
  }
  if (previous?.pid && previous.pid !== process.pid && isAlive(previous.pid)) {
    throw new DaemonStartError(
      `another runyard daemon (pid ${previous.pid}, ${previous.url}) uses the state directory ${stateDir}`,
    );
  }
  return stateDir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const isLoopback = (host: string) => LOOPBACK_HOSTS.includes(host) || host.startsWith('127.');

function allowedHosts(listenHost: string): Set<string> {
  const hosts = new Set([...LOOPBACK_HOSTS, listenHost]);
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    hosts.add(hostname());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) hosts.add(address.address);
    }
  }
  return hosts;
}
