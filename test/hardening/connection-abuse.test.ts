// Connection abuse: hundreds of connections dropped mid-handshake, mid-request and mid-subscription,
// clients that never read and clients that never wait. Afterwards nothing is left behind.
import { readdirSync, readlinkSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import t from 'tap';
import WebSocket from 'ws';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isLongRun, makeRandom, seedFromEnv, type Random } from '../helpers/prng.js';
import { makeProbe, openFds, type ProbeReading } from '../helpers/probe.js';
import { encodeFrame, handshakeRequest, OPCODE, openRaw } from '../helpers/raw-ws.js';
import { eventually, sleep } from '../helpers/poll.js';

const LONG = isLongRun();
// The long variant outlasts tap's per-file timeout of 120 s.
if (isLongRun()) t.setTimeout(1_800_000);
const SCALE = LONG ? 10 : 1;
const seed = seedFromEnv(0x5eed0002);
/** Heap growth (after a full GC) allowed once every abusive connection is gone. */
const HEAP_MARGIN_BYTES = 2 * 1_048_576;

t.comment(`seed ${seed} (replay with RUNYARD_HARDENING_SEED=${seed})`);

t.test(
  'abusive connections leave no subscriptions, timers, sockets or file descriptors behind',
  async (t) => {
    const probe = await makeProbe(t);
    const daemon = await startDaemon(t, { env: probe.env });
    const random = makeRandom(seed);
    const client = await daemon.client();
    // A run that never ends (for run.wait) and one that talks all the time (for subscriptions).
    const quiet = await client.run.start({ argv: ['sleep', '600'] });
    const chatty = await client.run.start({
      argv: ['sh', '-c', 'while :; do echo "chatter $(date +%s%N)"; sleep 0.005; done'],
    });
    t.teardown(async () => {
      await client.run.cancel({ runId: quiet.runId }).catch(() => {});
      await client.run.cancel({ runId: chatty.runId }).catch(() => {});
    });
    await eventually(async () =>
      (await client.run.events({ runId: chatty.runId })).events.length > 20 ? true : undefined,
    );
    const fdsAtStart = openFds(daemon.child.pid!);
    const burst: Burst = { sent: 0, answered: 0 };
    const abuse = async (scale: number) => {
      const waves: [number, number, (index: number) => Promise<void>][] = [
        [120, 20, (index) => dropMidHandshake(daemon, random, index)],
        [100, 20, () => dropMidRequest(daemon, random, quiet.runId, chatty.runId)],
        // Many of these: a leaked subscription retains its connection, a few KiB of heap each.
        [300, 30, () => dropMidSubscription(daemon, random, chatty.runId)],
        [150, 50, () => neverRead(daemon, random, chatty.runId)],
        [30, 10, () => sendWithoutWaiting(daemon, random, quiet.runId, burst)],
      ];
      let opened = 0;
      for (const [count, width, task] of waves) {
        await inWaves(Math.ceil(count * scale), width, task);
        opened += Math.ceil(count * scale);
      }
      return opened;
    };
    // A first, small round warms up every code path, so that what stays on the heap afterwards is a leak.
    await abuse(0.1);
    await eventually(() => (openFds(daemon.child.pid!) <= fdsAtStart ? true : undefined), 20_000);
    await settle();
    const before = await probe.read(daemon);
    const fdsBefore = openFds(daemon.child.pid!);
    const filesBefore = openFiles(daemon.child.pid!);
    const opened = await abuse(SCALE);
    t.ok(opened >= 500, `${opened} abusive connections`);
    t.equal(burst.answered, burst.sent, 'clients that send without waiting get every answer');

    t.match(await client.daemon.info(), { pid: daemon.child.pid }, 'the daemon still answers');
    const fdsBack = await eventually(
      () => (openFds(daemon.child.pid!) <= fdsBefore ? true : undefined),
      30_000, // requests of connections already gone are still being answered (into the void) meanwhile
    ).catch(() => false);
    t.ok(fdsBack, 'file descriptors are back to where they were', {
      opened: openFiles(daemon.child.pid!).filter((file) => !filesBefore.includes(file)),
    });
    await settle();
    // A timer that runs out on its own (a closing socket's, which ws gives 30 s) is no leak: read again
    // until the timers are back to where they were, or long past any of ours.
    const timers = (reading: ProbeReading) => reading.resources.Timeout ?? 0;
    const after = await eventually(async () => {
      const reading = await probe.read(daemon);
      return timers(reading) <= timers(before) ? reading : undefined;
    }, 40_000).catch(() => probe.read(daemon));
    t.comment(`before: ${describe(before)}`);
    t.comment(`after:  ${describe(after)}`);
    t.equal(
      after.resources.TCPSocketWrap ?? 0,
      before.resources.TCPSocketWrap ?? 0,
      'no socket is left open',
    );
    t.ok(
      timers(after) <= timers(before),
      `no timer is left running (${timers(before)} before, ${timers(after)} after)`,
    );
    t.ok(
      after.heapUsed - before.heapUsed < HEAP_MARGIN_BYTES,
      `heap after GC grew by ${mb(after.heapUsed - before.heapUsed)}, less than ${mb(HEAP_MARGIN_BYTES)}: ` +
        'no subscription or connection is retained',
    );
    t.notMatch(daemon.log(), /"level":"error"/, 'the daemon logged no error');
  },
);

async function settle(): Promise<void> {
  await sleep(300);
}

/** Runs `total` tasks, `width` at a time. */
async function inWaves(total: number, width: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** TCP connects, writes part of the upgrade request (or all of it with a wrong token), and vanishes. */
async function dropMidHandshake(daemon: TestDaemon, random: Random, index: number): Promise<void> {
  const { hostname, port } = new URL(daemon.url);
  const socket = connectTcp({ host: hostname, port: Number(port) });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const wrongToken = index % 6 === 0;
  const requestText = handshakeRequest(daemon.url, wrongToken ? 'f'.repeat(64) : daemon.token);
  socket.write(wrongToken ? requestText : requestText.slice(0, random.int(requestText.length)));
  if (random.chance(0.5)) await sleep(random.int(20));
  socket.destroy();
}

async function openSocket(daemon: TestDaemon): Promise<WebSocket> {
  const socket = new WebSocket(daemon.url, { headers: { authorization: `Bearer ${daemon.token}` } });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', () => reject(new Error('refused')));
  });
  return socket;
}

/** Sends a request whose answer takes a while (or is large) and drops the connection before it comes. */
async function dropMidRequest(daemon: TestDaemon, random: Random, quietRunId: string, chattyRunId: string) {
  const socket = await openSocket(daemon);
  const requests = [
    { method: 'run.wait', params: { runId: quietRunId, timeoutMs: 3_600_000 } },
    { method: 'run.wait', params: { runId: chattyRunId } },
    { method: 'rpc.discover' },
    { method: 'run.logs', params: { runId: chattyRunId, limit: 1_048_576 } },
    { method: 'run.events', params: { runId: chattyRunId, limit: 1_000 } },
    { method: 'run.list', params: { limit: 1_000 } },
  ];
  const request = random.pick(requests);
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, ...request }));
  if (random.chance(0.3)) await sleep(random.int(10));
  if (random.chance(0.5)) socket.terminate();
  else socket.close();
}

/** Subscribes to a busy run (and to every run), maybe takes a few events, and drops the connection. */
async function dropMidSubscription(daemon: TestDaemon, random: Random, chattyRunId: string) {
  const socket = await openSocket(daemon);
  let events = 0;
  const enough = random.int(5);
  const received = new Promise<void>((resolve) => {
    socket.on('message', () => {
      if (++events > enough) resolve();
    });
    setTimeout(resolve, 500);
  });
  socket.send(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'run.subscribe',
      params: { runId: chattyRunId, fromSeq: 1 },
    }),
  );
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'run.subscribe', params: {} }));
  if (random.chance(0.7)) await received;
  if (random.chance(0.5)) socket.terminate();
  else socket.close();
}

/** Subscribes and asks for large answers, reads nothing, and eventually disappears. */
async function neverRead(daemon: TestDaemon, random: Random, chattyRunId: string) {
  const connection = await openRaw(daemon.url, daemon.token);
  connection.socket.pause();
  const frame = (id: number, method: string, params: object) =>
    encodeFrame(OPCODE.text, Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method, params })));
  connection.socket.write(frame(1, 'run.subscribe', { runId: chattyRunId, fromSeq: 1 }));
  for (let id = 2; id < 2 + random.int(20); id++) {
    connection.socket.write(
      random.chance(0.5)
        ? frame(id, 'rpc.discover', {})
        : frame(id, 'run.events', { runId: chattyRunId, limit: 50 }),
    );
  }
  await sleep(random.int(200));
  connection.socket.destroy();
}

/** Sends a burst of requests without waiting for any answer, reads them all, then leaves. */
/** Sent and answered requests of the clients that never wait. */
interface Burst {
  sent: number;
  answered: number;
}

async function sendWithoutWaiting(daemon: TestDaemon, random: Random, quietRunId: string, burst: Burst) {
  const socket = await openSocket(daemon);
  const total = random.between(100, 400);
  let answered = 0;
  const all = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      const answer = JSON.parse(data.toString()) as { id?: number } | unknown[];
      answered += Array.isArray(answer) ? answer.length : 1;
      if (answered >= total) resolve();
    });
  });
  for (let id = 1; id <= total; id++) {
    const method = random.pick(['daemon.info', 'run.status', 'run.list', 'run.events']);
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method,
        params: method === 'daemon.info' || method === 'run.list' ? {} : { runId: quietRunId },
      }),
    );
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
  clearTimeout(timer);
  burst.sent += total;
  burst.answered += answered;
  socket.close();
}

/** What each open descriptor of a process points to. */
function openFiles(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return `${fd} -> ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`;
    } catch {
      return fd; // closed while we looked
    }
  });
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
const describe = (reading: ProbeReading) =>
  `heap ${mb(reading.heapUsed)}, external ${mb(reading.external)}, rss ${mb(reading.rss)}, ` +
  JSON.stringify(reading.resources);
