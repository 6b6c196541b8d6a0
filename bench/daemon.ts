// Starts real processes for the benchmarks: a runyard daemon on port 0, and the bare baseline server.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/runyard.js', import.meta.url));
const BASELINE_SERVER = fileURLToPath(new URL('./baseline-server.js', import.meta.url));

export interface BenchProcess {
  pid: number;
  url: string;
  child: ChildProcess;
  /** Stops the process (SIGTERM, SIGKILL after 10 s) and removes its temp directory. */
  stop(): Promise<void>;
}

export interface BenchDaemon extends BenchProcess {
  token: string;
  runsDir: string;
  home: string;
}

/** A daemon of this build with its own temp runs and state directories. */
export async function startBenchDaemon(args: string[] = []): Promise<BenchDaemon> {
  const home = await mkdtemp(join(tmpdir(), 'runyard-bench-'));
  const runsDir = join(home, 'runs');
  const stateDir = join(home, 'state');
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--listen', '127.0.0.1:0', '--runs-dir', runsDir, '--state-dir', stateDir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await waitForLine(child, /runyard listening on (\S+)/);
  const token = (await readFile(join(stateDir, 'token'), 'utf8')).trim();
  return {
    pid: child.pid!,
    url,
    token,
    runsDir: await realpath(runsDir),
    home,
    child,
    stop: async () => {
      await stopProcess(child);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * The baseline: a bare `ws` server speaking JSON-RPC through json-rpc-2.0, answering `run.status` with
 * `result` as it is: no auth, no Origin or Host check, no validation, no store.
 */
export async function startBaselineServer(
  result: unknown,
  env: Record<string, string> = {},
): Promise<BenchProcess> {
  const child = spawn(process.execPath, [BASELINE_SERVER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, BENCH_RESULT: JSON.stringify(result) },
  });
  const url = await waitForLine(child, /baseline listening on (\S+)/);
  return { pid: child.pid!, url, child, stop: () => stopProcess(child) };
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1_024;
}

async function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
  // If the benchmark dies, take the process with it rather than orphan it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = pattern.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before listening:\n${stderr}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(kill);
}
