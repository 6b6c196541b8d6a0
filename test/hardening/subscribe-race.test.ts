// A run.subscribe still being answered when its connection closes must not outlive the connection.
import { readFileSync } from 'node:fs';
import t from 'tap';
import WebSocket from 'ws';
import { startDaemon } from '../helpers/daemon.js';
import { makeProbe } from '../helpers/probe.js';
import { eventually, sleep } from '../helpers/poll.js';

const CONNECTIONS = 200;

/** CPU time (user + system) a process has used, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1]!.trim().split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

t.test(
  'a subscription whose connection closed before it was answered is dropped, not kept live',
  async (t) => {
    const probe = await makeProbe(t);
    const daemon = await startDaemon(t, { env: probe.env });
    const client = await daemon.client();
    // A run that keeps producing events, so a leaked subscription keeps replaying and listening.
    const chatty = await client.run.start({
      argv: ['sh', '-c', 'while :; do echo "chatter $(date +%s%N)"; sleep 0.005; done'],
    });
    t.teardown(() => client.run.cancel({ runId: chatty.runId }).catch(() => {}));
    await eventually(async () =>
      (await client.run.events({ runId: chatty.runId })).events.length > 200 ? true : undefined,
    );
    const before = await probe.read(daemon);
    for (let index = 0; index < CONNECTIONS; index++) {
      const socket = new WebSocket(daemon.url, { headers: { authorization: `Bearer ${daemon.token}` } });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'run.subscribe',
          params: { runId: chatty.runId, fromSeq: 1 },
        }),
      );
      socket.terminate(); // gone while the daemon is still looking the run up
    }
    await sleep(1_000);
    const ticks = cpuTicks(daemon.child.pid!);
    await sleep(2_000);
    const busy = (cpuTicks(daemon.child.pid!) - ticks) / 200; // 100 ticks a second, over 2 s
    const after = await probe.read(daemon);
    t.comment(
      `daemon CPU ${(busy * 100).toFixed(0)}% after the connections closed; heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}`,
    );
    t.ok(busy < 0.3, 'the daemon is not replaying to connections that are gone');
    t.ok(after.heapUsed - before.heapUsed < 1_048_576, 'no subscription holds on to its closed connection');
  },
);

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
