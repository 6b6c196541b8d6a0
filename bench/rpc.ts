// rpc: run.status round trips through the SDK against the daemon, vs a bare ws + json-rpc-2.0 server.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { JSONRPCClient } from 'json-rpc-2.0';
import WebSocket from 'ws';
import { connect, type RunyardClient } from 'runyard/client';
import { startBaselineServer, startBenchDaemon } from './daemon.js';
import {
  formatMs,
  formatRate,
  formatRatio,
  higherIsBetter,
  lowerIsBetter,
  median,
  percentile,
  verdict,
  type BenchRow,
} from './table.js';

const IN_FLIGHT = 64;
const CONNECTIONS = 50;
const ROUND_MS = 2_000;
const ROUNDS = 5;
const TARGET_RATIO = 0.9;

/** Something that can call run.status: the SDK, or a bare json-rpc-2.0 client. */
type StatusCall = () => Promise<unknown>;

export async function run(): Promise<BenchRow[]> {
  const daemon = await startBenchDaemon();
  const closers: (() => Promise<unknown>)[] = [() => daemon.stop()];
  try {
    const setup = await connect({ url: daemon.url, token: daemon.token });
    closers.unshift(() => setup.close());
    const { runId } = await setup.run.start({ argv: ['/bin/true'] });
    const record = await setup.run.wait({ runId });
    const baseline = await startBaselineServer(record);
    closers.unshift(() => baseline.stop());

    // One connection, 64 calls in flight.
    const sdk = await connect({ url: daemon.url, token: daemon.token });
    closers.unshift(() => sdk.close());
    const bare = await bareClient(baseline.url);
    closers.unshift(() => bare.close());
    // Not part of the comparison: the bare client against the daemon splits the gap into the SDK's
    // share and the daemon's.
    const bareToDaemon = await bareClient(daemon.url, { authorization: `Bearer ${daemon.token}` });
    closers.unshift(() => bareToDaemon.close());
    const ours = new Side(daemon.pid, () => sdk.run.status({ runId }));
    const theirs = new Side(baseline.pid, () => bare.call(runId));
    const split = new Side(daemon.pid, () => bareToDaemon.call(runId));
    for (const side of [ours, theirs, split]) await pipelined(side.call, ROUND_MS / 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of [ours, theirs, split]) await side.round(ROUND_MS);
    }
    const single = { ours: median(ours.rates), theirs: median(theirs.rates) };
    const singleRatio = higherIsBetter(single.ours, single.theirs);

    // 50 connections at once, one call in flight each.
    const sdks = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => connect({ url: daemon.url, token: daemon.token })),
    );
    closers.unshift(() => Promise.all(sdks.map((client: RunyardClient) => client.close())));
    const bares = await Promise.all(Array.from({ length: CONNECTIONS }, () => bareClient(baseline.url)));
    closers.unshift(() => Promise.all(bares.map((client) => client.close())));
    const oursMany = await fanOut(sdks.map((client) => () => client.run.status({ runId })));
    const theirsMany = await fanOut(bares.map((client) => () => client.call(runId)));

    const row = (
      name: string,
      ours: number,
      theirs: number,
      format: (value: number) => string,
      lower = false,
    ) => ({
      name,
      figure: format(ours),
      baseline: format(theirs),
      ratio: formatRatio(lower ? lowerIsBetter(ours, theirs) : higherIsBetter(ours, theirs)),
    });
    return [
      {
        ...row('rpc: run.status, 1 connection, 64 in flight', single.ours, single.theirs, (value) =>
          formatRate(value, 'calls/s'),
        ),
        target: `ratio >= ${TARGET_RATIO}`,
        note: verdict(singleRatio >= TARGET_RATIO),
      },
      {
        ...row('rpc: same, bare client instead of the SDK', median(split.rates), single.theirs, (value) =>
          formatRate(value, 'calls/s'),
        ),
        note: 'diagnostic: the daemon without the SDK; the rest of the gap is the SDK',
      },
      {
        ...row('rpc: server CPU per call, same load', ours.serverCpu, theirs.serverCpu, formatMicros, true),
        note: 'diagnostic: user + system time of the daemon (baseline server) over its rounds',
      },
      {
        ...row('rpc: client CPU per call, same load', ours.clientCpu, theirs.clientCpu, formatMicros, true),
        note: "diagnostic: the SDK's (json-rpc-2.0 client's) share of this process's CPU time",
      },
      row('rpc: 50 connections, 1 in flight each', oursMany.rate, theirsMany.rate, (value) =>
        formatRate(value, 'calls/s'),
      ),
      row('rpc: 50 connections, p50 latency', oursMany.p50, theirsMany.p50, formatMs, true),
      row('rpc: 50 connections, p99 latency', oursMany.p99, theirsMany.p99, formatMs, true),
    ];
  } finally {
    for (const close of closers) await close();
  }
}

/**
 * One side of the comparison: its rounds' rates, and the CPU time per call of its server and of this
 * process (the client), which a machine shared with other work skews much less than the rates.
 */
class Side {
  readonly rates: number[] = [];
  #calls = 0;
  #serverMicros = 0;
  #clientMicros = 0;

  constructor(
    readonly serverPid: number,
    readonly call: StatusCall,
  ) {}

  async round(durationMs: number): Promise<void> {
    const server = cpuMicros(this.serverPid);
    const client = process.cpuUsage();
    const { rate, calls } = await pipelined(this.call, durationMs);
    const used = process.cpuUsage(client);
    this.#serverMicros += cpuMicros(this.serverPid) - server;
    this.#clientMicros += used.user + used.system;
    this.#calls += calls;
    this.rates.push(rate);
  }

  get serverCpu(): number {
    return this.#serverMicros / this.#calls;
  }

  get clientCpu(): number {
    return this.#clientMicros / this.#calls;
  }
}

/** User + system time a process has used, in microseconds, from /proc (Linux, whose USER_HZ is 100). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const formatMicros = (micros: number) => `${micros.toFixed(1)} µs`;

/** Calls per second with `IN_FLIGHT` calls always outstanding, for `durationMs`, and how many were made. */
async function pipelined(call: StatusCall, durationMs: number): Promise<{ rate: number; calls: number }> {
  let completed = 0;
  const started = performance.now();
  const until = started + durationMs;
  const lane = async () => {
    while (performance.now() < until) {
      await call();
      completed++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { rate: (completed * 1_000) / (performance.now() - started), calls: completed };
}

/** Every caller in a loop of one call at a time: rate and latency percentiles over all of them. */
async function fanOut(callers: StatusCall[]): Promise<{ rate: number; p50: number; p99: number }> {
  const measure = async (durationMs: number) => {
    const latencies: number[] = [];
    const started = performance.now();
    const until = started + durationMs;
    await Promise.all(
      callers.map(async (call) => {
        while (performance.now() < until) {
          const before = performance.now();
          await call();
          latencies.push(performance.now() - before);
        }
      }),
    );
    return { latencies, elapsed: performance.now() - started };
  };
  await measure(ROUND_MS / 2); // warm-up
  const { latencies, elapsed } = await measure(ROUND_MS * 2);
  latencies.sort((a, b) => a - b);
  return {
    rate: (latencies.length * 1_000) / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

/** The baseline client: json-rpc-2.0's client over a plain ws socket. */
async function bareClient(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ call: (runId: string) => Promise<unknown>; close: () => Promise<void> }> {
  const socket = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const client = new JSONRPCClient((request) => socket.send(JSON.stringify(request)));
  socket.on('message', (data) => client.receive(JSON.parse(data.toString())));
  return {
    call: async (runId) => client.request('run.status', { runId }),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
