// Looks inside a daemon process without adding anything to its contract: a preload script, loaded
// through NODE_OPTIONS, answers SIGUSR2 with its heap after a full GC and its active resources.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { TestDaemon } from './daemon.js';
import { eventually } from './poll.js';
import { tempDir } from './fs.js';

// CommonJS, because --require runs it before the daemon's ESM entry point. It only reads state.
const PRELOAD = `'use strict';
const { renameSync, writeFileSync } = require('node:fs');
const file = process.env.RUNYARD_TEST_PROBE_FILE;
process.on('SIGUSR2', () => {
  globalThis.gc();
  const resources = {};
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] || 0) + 1;
  const { heapUsed, rss, external } = process.memoryUsage();
  writeFileSync(file + '.tmp', JSON.stringify({ heapUsed, rss, external, resources }));
  renameSync(file + '.tmp', file);
});
`;

export interface ProbeReading {
  /** V8 heap in use right after a full garbage collection, in bytes. */
  heapUsed: number;
  rss: number;
  external: number;
  /** process.getActiveResourcesInfo() counted by type: TCPSocketWrap, Timeout, FSReqCallback, ... */
  resources: Record<string, number>;
}

export interface Probe {
  /** Environment for startDaemon: loads the preload script and exposes gc() to it. */
  env: NodeJS.ProcessEnv;
  read(daemon: TestDaemon): Promise<ProbeReading>;
}

export async function makeProbe(t: Test): Promise<Probe> {
  const dir = await tempDir(t, 'probe');
  const script = join(dir, 'preload.cjs');
  const file = join(dir, 'reading.json');
  await writeFile(script, PRELOAD);
  return {
    env: { NODE_OPTIONS: `--expose-gc --require ${script}`, RUNYARD_TEST_PROBE_FILE: file },
    async read(daemon) {
      await rm(file, { force: true });
      daemon.child.kill('SIGUSR2');
      await eventually(() => (existsSync(file) ? true : undefined), 10_000);
      return JSON.parse(readFileSync(file, 'utf8')) as ProbeReading;
    },
  };
}

/** Open file descriptors of a process, counted in /proc (Linux). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1_024 : NaN;
}
