// memory: daemon RSS idle, after 10,000 finished runs, and with 1,000 idle authenticated connections.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { connect } from 'runyard/client';
import { residentBytes, startBaselineServer, startBenchDaemon } from './daemon.js';
import { inParallel } from './spawn.js';
import { formatMB, formatRatio, lowerIsBetter, verdict, type BenchRow } from './table.js';

const RUNS = 10_000;
const CONNECTIONS = 1_000;
const CONCURRENCY = 8;
// V8's memory reducer gives start-up and burst garbage back to the OS about 8-10 s after activity
// stops: before that the process is not idle yet. Both processes get the same quiet time.
export const SETTLE_MS = 12_000;
const MB = 1_000_000;
const IDLE_TARGET_MB = 60;

/** The three states are measured one after the other on the same daemon, as a long-lived one would live. */
export async function run(): Promise<BenchRow[]> {
  const daemon = await startBenchDaemon(['--max-concurrent', String(CONCURRENCY)]);
  const baseline = await startBaselineServer(null);
  const sockets: WebSocket[] = [];
  try {
    const justStarted = residentBytes(daemon.pid);
    await sleep(SETTLE_MS);
    const idle = { ours: residentBytes(daemon.pid), theirs: residentBytes(baseline.pid) };
    const idleFiles = { ours: fileBackedBytes(daemon.pid), theirs: fileBackedBytes(baseline.pid) };

    const client = await connect({ url: daemon.url, token: daemon.token });
    await inParallel(RUNS, CONCURRENCY * 2, async () => {
      const { runId } = await client.run.start({ argv: ['/bin/true'] });
      const { status } = await client.run.wait({ runId });
      if (status !== 'succeeded') throw new Error(`run ${runId} ended ${status}`);
    });
    await client.close();
    const spawner = await openSocket(baseline.url, {});
    await call(spawner, 'spawn', { count: RUNS, concurrency: CONCURRENCY });
    spawner.close();
    await sleep(SETTLE_MS);
    const afterRuns = { ours: residentBytes(daemon.pid), theirs: residentBytes(baseline.pid) };

    const headers = { authorization: `Bearer ${daemon.token}` };
    await inParallel(CONNECTIONS, 50, async () => {
      sockets.push(await openSocket(daemon.url, { headers }), await openSocket(baseline.url, {}));
    });
    await sleep(SETTLE_MS);
    const connected = { ours: residentBytes(daemon.pid), theirs: residentBytes(baseline.pid) };

    const row = (name: string, figures: { ours: number; theirs: number }, targetMB: number): BenchRow => ({
      name,
      figure: formatMB(figures.ours),
      baseline: formatMB(figures.theirs),
      ratio: formatRatio(lowerIsBetter(figures.ours, figures.theirs)),
      target: `< ${targetMB} MB`,
      note: verdict(figures.ours < targetMB * MB),
    });
    return [
      {
        ...row('memory: daemon RSS idle', idle, IDLE_TARGET_MB),
        note:
          `${verdict(idle.ours < IDLE_TARGET_MB * MB)}; ${formatMB(justStarted)} right after start-up; ` +
          `file-backed ${formatMB(idleFiles.ours)} (baseline ${formatMB(idleFiles.theirs)})`,
      },
      row(`memory: RSS after ${RUNS.toLocaleString('en-US')} finished runs`, afterRuns, 150),
      row(`memory: RSS + ${CONNECTIONS.toLocaleString('en-US')} idle connections`, connected, 200),
    ];
  } finally {
    for (const socket of sockets) socket.terminate();
    await baseline.stop();
    await daemon.stop();
  }
}

/** The file-backed part of a process's RSS (its binary, shared libraries, native addons), from /proc. */
function fileBackedBytes(pid: number): number {
  const match = /^RssFile:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no RssFile for pid ${pid}`);
  return Number(match[1]) * 1_024;
}

async function openSocket(url: string, options: WebSocket.ClientOptions): Promise<WebSocket> {
  const socket = new WebSocket(url, options);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

async function call(socket: WebSocket, method: string, params: object): Promise<unknown> {
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  const data = await new Promise<WebSocket.RawData>((resolve) => socket.once('message', resolve));
  const answer = JSON.parse(data.toString()) as { result?: unknown; error?: { message: string } };
  if (answer.error) throw new Error(answer.error.message);
  return answer.result;
}
