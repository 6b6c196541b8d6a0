// Composes the daemon: state dir and token, store, engine, RPC, transport; shuts them down in reverse.
import { mkdir, realpath, rm } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { background } from '../async/background.js';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { LevelledLogger, LogFormat, LogLevel } from '../log.js';
import { RunEngine } from '../runs/engine.js';
import { relativeDir } from '../runs/write-retained.js';
import type { RetentionSummary } from '../schema/run-dir.js';
import type { ConfigReload, DaemonInfo } from '../schema/daemon.js';
import { rpcDiscover } from '../schema/discover.js';
import { methods } from '../schema/index.js';
import { buildOpenRpcDocument } from '../schema/openrpc.js';
import { isoTimestamp } from '../schema/timestamp.js';
import { DAEMON_FILE, FORWARDED_BY_HEADER } from '../schema/transport.js';
import { version } from '../schema/version.js';
import { openStore, type StoreKind } from '../store/open.js';
import { hasRetention, pruneRuns, type RetentionPolicy } from '../store/prune.js';
import { Connections } from './connections.js';
import { remoteOf } from './handshake.js';
import { daemonHandlers } from './methods/daemon.js';
import { runHandlers } from './methods/run.js';
import { retainedHandlers } from './methods/retained.js';
import { RetainedIndex } from '../retained/retained-index.js';
import { retainedRunOf } from '../retained/retained-run.js';
import { RunDirProblems } from '../run-dir/problems.js';
import { actionHandlers } from './methods/action.js';
import { serviceHandlers } from './methods/service.js';
import { Catalog } from '../services/catalog.js';
import { applyDeclared, type Declared } from '../services/declared.js';
import { ServiceManager } from '../services/manager.js';
import type { CallContext, MethodHandlers } from './methods/types.js';
import { RpcDispatcher, type Handler } from './rpc.js';
import { ClaimWatch } from './claim-watch.js';
import { RunRouter } from './run-router.js';
import { ServiceRouter } from './service-router.js';
import { ConfigReloader } from './reload.js';
import { Resources } from './resources.js';
import { startServer } from './server.js';
import { clusterDuties } from './failover.js';
import { joinCluster, type NodePresence } from './node-presence.js';
import { daemonIdentity, loadOrCreateNodeId, prepareStateDir } from './state-dir.js';
import { LoginCodes } from './login-codes.js';
import { loadOrCreateToken, settleClusterToken } from './token.js';

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
  /** The URL the other nodes reach this daemon at; undefined: the URL it listens on. */
  advertiseUrl?: string;
  retention: RetentionPolicy;
  maxPayloadBytes: number;
  maxBatchSize: number;
  /** Unanswered requests per connection. */
  maxInFlight: number;
  /** How long a TCP connection may take to complete its HTTP request or upgrade. */
  handshakeTimeoutMs: number;
  /** Open connections per peer address. */
  maxConnectionsPerPeer: number;
  log: { level: LogLevel; format?: LogFormat | undefined };
}

/** The config file a daemon was started with, to read again on a reload. */
export interface ConfigSource {
  path: string;
  /** Reads the file again; its settings resolved under the flags and environment given at start. */
  read(): Promise<{ config: DaemonConfig; declared: Declared }>;
}

/** What the daemon starts with: its settings and, from a config file, what the file declares. */
export interface LoadedConfig {
  config: DaemonConfig;
  declared?: Declared;
  source?: ConfigSource;
}

export interface Daemon {
  url: string;
  /** Reads the config file again and applies it (SIGHUP; daemon.reloadConfig). */
  reloadConfig(): Promise<ConfigReload>;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Starts the daemon. Each resource's close is registered as it is opened, so a start that fails
 * (a bad --config, a port in use) closes what it had opened, and shutdown runs in exact reverse
 * order: queued runs start only once the server listens, and runs are stopped before it closes.
 */
export async function startDaemon(loaded: LoadedConfig, log: LevelledLogger): Promise<Daemon> {
  const resources = new Resources(log);
  try {
    const { url, reloader } = await startServing(loaded, log, resources);
    let closing: Promise<void> | undefined;
    return {
      url,
      reloadConfig: () => reloader.reload(),
      close: () =>
        (closing ??= (async () => {
          await resources.closeAll();
          log.info('daemon stopped');
        })()),
    };
  } catch (error) {
    await resources.closeAll();
    throw error;
  }
}

async function startServing(
  loaded: LoadedConfig,
  log: LevelledLogger,
  resources: Resources,
): Promise<{ url: string; reloader: ConfigReloader }> {
  // The daemon's own copy: a reload writes the settings it applies into it.
  const config: DaemonConfig = { ...loaded.config };
  const stateDir = await prepareStateDir(config.stateDir);
  await mkdir(config.runsDir, { recursive: true });
  const runsDir = await realpath(config.runsDir);
  const startedAt = isoTimestamp();

  // What any reader finds wrong in the runs directory: logged once, listed by retained.problems.
  const problems = new RunDirProblems(log);
  const nodeId = await loadOrCreateNodeId(stateDir);
  const opened = await openStore(config.store, stateDir, runsDir, nodeId, log, problems);
  const store = resources.add('store', opened.store, (store) => store.close());
  // The nodes of a cluster accept one token, kept in the database they share.
  const token = store.nodes
    ? await settleClusterToken(stateDir, store.nodes)
    : await loadOrCreateToken(stateDir);
  if (opened.rebuilt) {
    const { problems: _named, ...counts } = opened.rebuilt;
    log.info('rebuilt the index from the run directories', counts);
  }
  const retained = resources.add(
    'retained index',
    await RetainedIndex.open(runsDir, { watch: true, log, problems }),
    (index) => index.close(),
  );
  const engine = new RunEngine({
    runsDir,
    store,
    maxConcurrent: config.maxConcurrent,
    maxQueued: config.maxQueued,
    killGraceMs: config.killGraceMs,
    nodeId,
    log,
    onFinished: (run) => retained.addRunDir(run.runDir),
    ...(store.statusFeed && { onStatus: (runId, event) => store.statusFeed!.publish(runId, event) }),
    // Only a store that lists this node's runs to the others needs them as the index lists them.
    ...(store.retained && {
      retainedOf: (runDir: string, summary: RetentionSummary) =>
        retainedRunOf(retained.runsDir, relativeDir(retained.runsDir, runDir), summary),
    }),
    // A run a service start replaced left the index, not the disk: its logs and events stay readable.
    runDirOfForgotten: (runId) => {
      const run = retained.find(runId);
      return run?.runId === runId ? join(retained.runsDir, run.dir) : undefined;
    },
  });
  store.statusFeed?.onStatus((runId, event) => engine.emitStatusOfOther(runId, event));
  // A node restarted within the dead-node threshold is alive again before its recovery, so that no other
  // node ends its runs (node_lost) while it ends them itself (daemon_restart). No row: a first start.
  await store.nodes?.heartbeat(nodeId);
  const recovered = await engine.recover();
  if (recovered.requeued + recovered.interrupted + recovered.completed + recovered.takenOver > 0)
    log.info('recovered runs of the previous daemon', { ...recovered });
  // Not awaited: run.* is served at once; retained.* answers once this first scan is done.
  background(retained.start(), log, 'indexing retained runs failed');
  // Read at each pass, as a reload may change the policy.
  const prune = async () => {
    if (!hasRetention(config.retention)) return;
    const { runs, removedDirs } = await pruneRuns(store.runs, runsDir, config.retention);
    if (runs.length > 0) log.info('pruned finished runs', { runs: runs.length, removedDirs });
  };
  await prune();
  const pruner = setInterval(() => background(prune(), log, 'pruning failed'), PRUNE_INTERVAL_MS);
  pruner.unref();
  resources.add('pruner', pruner, clearInterval);
  let url = '';
  // Built by the first request for it, once the server listens (its servers[0].url is this daemon's own
  // URL): building it at start-up cost 2.3 MB of garbage, and sorting its schemas paged in 2.5 MB of
  // ICU collation data, for a document most daemons are never asked for.
  let openrpcJson: string | undefined;
  const openrpc = () => (openrpcJson ??= `${JSON.stringify(buildOpenRpcDocument(url), null, 2)}\n`);
  // This node joins its cluster once the server listens, as its URL may be the one listened on: a
  // request that comes in between waits for it.
  let joined!: (presence: NodePresence) => void;
  const presence = new Promise<NodePresence>((resolve) => (joined = resolve));
  const info = async (): Promise<DaemonInfo> => ({
    version,
    pid: process.pid,
    startedAt,
    url,
    runsDir,
    stateDir,
    configFile: loaded.source?.path ?? null,
    limits: {
      maxPayloadBytes: config.maxPayloadBytes,
      maxBatchSize: config.maxBatchSize,
      maxInFlight: config.maxInFlight,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      maxConnectionsPerPeer: config.maxConnectionsPerPeer,
    },
    // Asked only by a request, so once the connections below exist.
    connections: connections.stats(),
    nodeId,
    nodes: await (await presence).nodes(),
  });
  const loginCodes = new LoginCodes();
  const dashboardLogin = () => {
    const { code, expiresAt } = loginCodes.issue();
    const origin = url.replace(/^ws:/, 'http:').replace(/\/rpc$/, '');
    return { url: `${origin}/login/${code}`, expiresAt: new Date(expiresAt).toISOString() };
  };
  const catalog = new Catalog(store);
  const supervision = store.serviceLeases && { leases: store.serviceLeases, nodeId };
  const services = new ServiceManager(engine, catalog, log, supervision);
  // Before this node beats again, so that no takeover of its own starts a service while this cancels.
  await services.startAfresh();
  if (loaded.declared) {
    const changes = await applyDeclared(loaded.declared, catalog, services);
    log.info('applied the config file', { file: loaded.declared.file, ...changes });
  }
  const allowOrigins = new Set(config.allowOrigins);
  const reloader = new ConfigReloader(
    loaded.source,
    config,
    { log, allowOrigins, retentionChanged: () => background(prune(), log, 'pruning failed') },
    catalog,
    services,
  );
  // Imported only in a cluster: a daemon alone never loads the peers' client code.
  const peers = store.nodes
    ? resources.add(
        'peers',
        new (await import('./peers.js')).Peers(async () => (await presence).nodes(), token, nodeId, log),
        (peers) => peers.close(),
      )
    : undefined;
  const claims = store.queue && new ClaimWatch((runIds) => store.queue!.waiting(runIds), log);
  const router = new RunRouter(engine, peers, nodeId, log, claims);
  const handlers: MethodHandlers & { 'rpc.discover': Handler<CallContext> } = {
    ...daemonHandlers(info, reloader, dashboardLogin),
    ...runHandlers(engine, router),
    ...retainedHandlers(retained, router, store.retained),
    ...actionHandlers(catalog),
    ...serviceHandlers(catalog, services, new ServiceRouter(peers)),
    'rpc.discover': async () => JSON.parse(openrpc()),
  };
  const dispatcher = new RpcDispatcher<CallContext>(
    [...methods, rpcDiscover],
    handlers as Record<string, Handler<CallContext>>,
    // The daemon's config itself, where a reload writes the new maxInFlight.
    config,
    log,
  );
  const connections = resources.add('connections', new Connections(dispatcher, engine, log), (all) =>
    all.close(),
  );
  const server = resources.add(
    'server',
    await startServer({
      host: config.host,
      port: config.port,
      policy: { token, allowOrigins, allowHosts: allowedHosts(config.host, config.advertiseUrl) },
      maxPayloadBytes: config.maxPayloadBytes,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      maxConnectionsPerPeer: () => config.maxConnectionsPerPeer,
      openrpcJson: openrpc,
      loginCodes,
      onConnection: (socket, request) =>
        connections.accept(
          socket,
          remoteOf(request.socket),
          request.headers[FORWARDED_BY_HEADER] !== undefined,
        ),
      log,
    }),
    (server) => server.close(),
  );
  url = server.url;
  const node = { nodeId, url: config.advertiseUrl ?? url, version, startedAt };
  const duties = clusterDuties(store.nodes, engine, services, nodeId, log);
  joined(resources.add('node', await joinCluster(store.nodes, node, log, duties), (node) => node.close()));
  const daemonJson = join(stateDir, DAEMON_FILE);
  await writeJsonAtomic(daemonJson, { url, ...daemonIdentity(), version, startedAt });
  resources.add('daemon.json', daemonJson, (path) => rm(path, { force: true }));
  // Last started, first stopped: the engine cancels running runs (and waits for their directories)
  // while clients are still connected to see them end; services stop first, so no restart policy
  // answers those cancels.
  engine.startQueue();
  // Handed back once the runs have stopped, so that the node that takes a service over finds none running.
  resources.add('service leases', services, (services) => services.releaseLeases());
  resources.add('runs', engine, (engine) => engine.close());
  resources.add('services', services, (services) => services.close());
  log.info('daemon started', { url, runsDir, stateDir, pid: process.pid, nodeId });
  const autostarted = services.autostart().then((names) => {
    if (names.length > 0) log.info('started the services marked autostart', { services: names });
  });
  background(autostarted, log, 'autostarting services failed');
  return { url, reloader };
}

export const isLoopback = (host: string) => LOOPBACK_HOSTS.includes(host) || host.startsWith('127.');

/** The Host names a request may name: loopback, the listen address, and the name peers are given. */
function allowedHosts(listenHost: string, advertiseUrl: string | undefined): Set<string> {
  const hosts = new Set([...LOOPBACK_HOSTS, listenHost]);
  // The other nodes connect to the advertised URL, so their requests name its host.
  if (advertiseUrl) hosts.add(new URL(advertiseUrl).hostname.replace(/^\[(.*)\]$/, '$1'));
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    hosts.add(hostname());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) hosts.add(address.address);
    }
  }
  return hosts;
}
