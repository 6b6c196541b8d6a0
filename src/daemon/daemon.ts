// Composes the daemon: state dir and token, store, engine, RPC, transport; shuts them down in reverse.
import { mkdir, realpath, rm } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { Logger } from '../log.js';
import { RunEngine } from '../runs/engine.js';
import type { DaemonInfo } from '../schema/daemon.js';
import { rpcDiscover } from '../schema/discover.js';
import { methods } from '../schema/index.js';
import { buildOpenRpcDocument } from '../schema/openrpc.js';
import { DAEMON_FILE } from '../schema/transport.js';
import { version } from '../schema/version.js';
import { openStore, type StoreKind } from '../store/open.js';
import { hasRetention, pruneRuns, type RetentionPolicy } from '../store/prune.js';
import { Connections } from './connections.js';
import { daemonHandlers } from './methods/daemon.js';
import { runHandlers } from './methods/run.js';
import { retainedHandlers } from './methods/retained.js';
import { RetainedIndex } from '../retained/retained-index.js';
import { RunDirProblems } from '../run-dir/problems.js';
import { actionHandlers } from './methods/action.js';
import { serviceHandlers } from './methods/service.js';
import { Definitions } from '../services/definitions.js';
import { applyConfigFile } from './config-file.js';
import { ServiceManager } from '../services/manager.js';
import type { CallContext, MethodHandlers } from './methods/types.js';
import { RpcDispatcher, type Handler } from './rpc.js';
import { startServer } from './server.js';
import { daemonIdentity, loadOrCreateNodeId, prepareStateDir } from './state-dir.js';
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
  store: StoreKind;
  retention: RetentionPolicy;
  /** A JSON file declaring actions and services, upserted at start-up. */
  configFile?: string;
  maxPayloadBytes: number;
  maxBatchSize: number;
}

export interface Daemon {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
const PRUNE_INTERVAL_MS = 3_600_000;

export async function startDaemon(config: DaemonConfig, log: Logger): Promise<Daemon> {
  const stateDir = await prepareStateDir(config.stateDir);
  const token = await loadOrCreateToken(stateDir);
  await mkdir(config.runsDir, { recursive: true });
  const runsDir = await realpath(config.runsDir);
  const startedAt = new Date().toISOString();

  // What any reader finds wrong in the runs directory: logged once, listed by retained.problems.
  const problems = new RunDirProblems(log);
  const { store, rebuilt } = await openStore(
    config.store,
    stateDir,
    runsDir,
    await loadOrCreateNodeId(stateDir),
    log,
    problems,
  );
  if (rebuilt) {
    const { problems: _named, ...counts } = rebuilt;
    log.info('rebuilt the index from the run directories', counts);
  }
  const retained = await RetainedIndex.open(runsDir, { watch: true, log, problems });
  const engine = new RunEngine({
    runsDir,
    store,
    maxConcurrent: config.maxConcurrent,
    maxQueued: config.maxQueued,
    killGraceMs: config.killGraceMs,
    log,
    onFinished: (run) => retained.addRunDir(run.runDir),
  });
  const recovered = await engine.recover();
  if (recovered.requeued + recovered.interrupted + recovered.completed > 0)
    log.info('recovered runs of the previous daemon', recovered);
  // Not awaited: run.* is served at once; retained.* answers once this first scan is done.
  retained.start().catch((error: unknown) => log.error('indexing retained runs failed', { error }));
  const prune = async () => {
    const { runs, removedDirs } = await pruneRuns(store, runsDir, config.retention);
    if (runs.length > 0) log.info('pruned finished runs', { runs: runs.length, removedDirs });
  };
  let pruner: NodeJS.Timeout | undefined;
  if (hasRetention(config.retention)) {
    await prune();
    pruner = setInterval(
      () => prune().catch((error: unknown) => log.error('pruning failed', { error })),
      PRUNE_INTERVAL_MS,
    );
    pruner.unref();
  }
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
  const definitions = new Definitions(store);
  const services = new ServiceManager(engine, definitions, log);
  if (config.configFile) {
    const declared = await applyConfigFile(config.configFile, definitions);
    log.info('applied the config file', { file: config.configFile, ...declared });
  }
  const handlers: MethodHandlers & { 'rpc.discover': Handler<CallContext> } = {
    ...daemonHandlers(info),
    ...runHandlers(engine),
    ...retainedHandlers(retained),
    ...actionHandlers(definitions),
    ...serviceHandlers(definitions, services),
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
  const daemonJson = join(stateDir, DAEMON_FILE);
  await writeJsonAtomic(daemonJson, { url, ...daemonIdentity(), version, startedAt });
  log.info('daemon started', { url, runsDir, stateDir, pid: process.pid });

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        clearInterval(pruner);
        services.close(); // before the engine cancels runs, so no restart policy answers the cancels
        await engine.close();
        await retained.close();
        await connections.close();
        await server.close();
        await store.close();
        await rm(daemonJson, { force: true });
        log.info('daemon stopped');
      })()),
  };
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
