// `daemon.reloadConfig` and SIGHUP: the config file read again and applied, one reload at a time. The
// settings a running daemon can change take effect at once; the others are named for the next start.
import { isDeepStrictEqual } from 'node:util';
import { SerialQueue } from '../async/serial.js';
import type { LevelledLogger } from '../log.js';
import type { ConfigReload } from '../schema/daemon.js';
import { RunyardError } from '../schema/errors.js';
import { applyDeclared, type DeclaredChanges } from '../services/declared.js';
import type { Catalog } from '../services/catalog.js';
import type { ServiceManager } from '../services/manager.js';
import type { ConfigSource, DaemonConfig } from './daemon.js';

/** What a reload can change in the running daemon. */
export interface LiveSettings {
  log: LevelledLogger;
  /** The handshake's allow-list, read at every handshake. */
  allowOrigins: Set<string>;
  /** Called when the retention policy changed, after `config.retention` has. */
  retentionChanged(): void;
}

interface Setting {
  /** Its key in the file's `daemon` section. */
  name: string;
  of(config: DaemonConfig): unknown;
  /**
   * How the running daemon takes the new value: into `current` (the daemon's config) and into effect.
   * Without it the setting waits for a restart.
   */
  apply?(live: LiveSettings, next: DaemonConfig, current: DaemonConfig): void;
}

const SETTINGS: readonly Setting[] = [
  { name: 'listen', of: (config) => [config.host, config.port] },
  { name: 'runsDir', of: (config) => config.runsDir },
  { name: 'stateDir', of: (config) => config.stateDir },
  { name: 'store', of: (config) => config.store },
  { name: 'advertiseUrl', of: (config) => config.advertiseUrl },
  { name: 'maxConcurrent', of: (config) => config.maxConcurrent },
  { name: 'maxQueued', of: (config) => config.maxQueued },
  { name: 'killGraceMs', of: (config) => config.killGraceMs },
  // Node reads it into the server's timers when it is created.
  { name: 'handshakeTimeoutMs', of: (config) => config.handshakeTimeoutMs },
  // Both read from the daemon's config at every request and every upgrade.
  {
    name: 'maxInFlight',
    of: (config) => config.maxInFlight,
    apply: (_live, next, current) => {
      current.maxInFlight = next.maxInFlight;
    },
  },
  {
    name: 'maxConnectionsPerPeer',
    of: (config) => config.maxConnectionsPerPeer,
    apply: (_live, next, current) => {
      current.maxConnectionsPerPeer = next.maxConnectionsPerPeer;
    },
  },
  { name: 'log.format', of: (config) => config.log.format },
  {
    name: 'log.level',
    of: (config) => config.log.level,
    apply: (live, next, current) => {
      current.log = { ...current.log, level: next.log.level };
      live.log.setLevel(next.log.level);
    },
  },
  {
    name: 'allowOrigins',
    of: (config) => [...config.allowOrigins].sort(),
    apply: (live, next, current) => {
      current.allowOrigins = next.allowOrigins;
      live.allowOrigins.clear();
      for (const origin of next.allowOrigins) live.allowOrigins.add(origin);
    },
  },
  {
    name: 'retention',
    of: (config) => config.retention,
    apply: (live, next, current) => {
      current.retention = next.retention;
      live.retentionChanged();
    },
  },
];

export class ConfigReloader {
  readonly #source: ConfigSource | undefined;
  readonly #config: DaemonConfig;
  readonly #live: LiveSettings;
  readonly #catalog: Catalog;
  readonly #services: ServiceManager;
  // SIGHUP and an RPC at once would otherwise apply two reads of the file interleaved.
  readonly #serially = new SerialQueue();

  /** `config` is the daemon's: the settings a reload applies are written into it. */
  constructor(
    source: ConfigSource | undefined,
    config: DaemonConfig,
    live: LiveSettings,
    catalog: Catalog,
    services: ServiceManager,
  ) {
    this.#source = source;
    this.#config = config;
    this.#live = live;
    this.#catalog = catalog;
    this.#services = services;
  }

  reload(): Promise<ConfigReload> {
    return this.#serially.run(() => this.#reloadNow());
  }

  async #reloadNow(): Promise<ConfigReload> {
    const source = this.#source;
    if (!source) throw new RunyardError('config_not_set', {});
    const log = this.#live.log;
    const read = await source.read().catch((error: unknown) => {
      if (error instanceof Error)
        log.warn('config file not applied', { file: source.path, reason: error.message });
      throw error;
    });
    // Definitions first: they are checked whole before anything changes, and their check can still fail.
    const changes: DeclaredChanges = await applyDeclared(read.declared, this.#catalog, this.#services);
    const applied: string[] = [];
    const restartRequired: string[] = [];
    for (const setting of SETTINGS) {
      if (isDeepStrictEqual(setting.of(this.#config), setting.of(read.config))) continue;
      if (!setting.apply) {
        restartRequired.push(setting.name);
        continue;
      }
      setting.apply(this.#live, read.config, this.#config);
      applied.push(setting.name);
    }
    const result = { file: source.path, ...changes, applied, restartRequired };
    log.info('reloaded the config file', { ...result });
    if (restartRequired.length > 0)
      log.warn('config file settings take effect at the next start', { settings: restartRequired });
    return result;
  }
}
