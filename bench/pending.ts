// pending: daemon RSS with 5,000 run.wait calls held on one connection, and what each pending call costs.
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { residentBytes, startBenchDaemon } from './daemon.js';
import { SETTLE_MS } from './memory.js';
import { formatMB, type BenchRow } from './table.js';

const PENDING = 5_000;
/** What 5,000 pending calls cost before the limit existed (issue 13): 37 MB, 7.4 kB each. */
const TARGET_BYTES_PER_CALL = 4_000;

export async function run(): Promise<BenchRow[]> {
  // Above the default of 2048, to hold the figure the issue measured.
  const daemon = await startBenchDaemon(['--max-in-flight', String(PENDING + 1)]);
  const socket = new WebSocket(daemon.url, { headers: { authorization: `Bearer ${daemon.token}` } });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    type Answer = { id: unknown; result?: { runId: string } };
    const answers = new Map<unknown, (answer: Answer) => void>();
    socket.on('message', (data) => {
      const answer = JSON.parse(data.toString()) as Answer;
      answers.get(answer.id)?.(answer);
      answers.delete(answer.id);
    });
    const call = (id: string | number, method: string, params: object = {}) =>
      new Promise<Answer>((resolve) => {
        answers.set(id, resolve);
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    const started = await call('start', 'run.start', { argv: ['sleep', '3600'] });
    const runId = started.result!.runId;
    await sleep(SETTLE_MS);
    const before = residentBytes(daemon.pid);
    for (let id = 0; id < PENDING; id++)
      socket.send(
        JSON.stringify({ jsonrpc: '2.0', id, method: 'run.wait', params: { runId, timeoutMs: 3_600_000 } }),
      );
    // Requests on a connection are taken in order: once this is answered, every wait is held.
    await call('sync', 'daemon.info');
    await sleep(SETTLE_MS);
    const after = residentBytes(daemon.pid);
    const perCall = (after - before) / PENDING;
    await call('cancel', 'run.cancel', { runId });
    return [
      {
        name: `pending: RSS + ${PENDING.toLocaleString('en-US')} run.wait held on one connection`,
        figure: formatMB(after),
        target: `< ${TARGET_BYTES_PER_CALL.toLocaleString('en-US')} B a call`,
        note: `${Math.round(perCall).toLocaleString('en-US')} B a pending call (${formatMB(before)} before)`,
      },
    ];
  } finally {
    socket.terminate();
    await daemon.stop();
  }
}
