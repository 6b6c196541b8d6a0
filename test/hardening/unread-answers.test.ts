// A client that never reads: its answers must not pile up in the daemon without bound.
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { residentBytes } from '../helpers/probe.js';
import { encodeFrame, OPCODE, openRaw } from '../helpers/raw-ws.js';
import { sleep } from '../helpers/poll.js';

t.test(
  'a client that never reads its answers cannot make the daemon buffer them without bound',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    // 1 MiB of output: each run.logs answer carries all of it.
    const big = await client.run.start({ argv: ['sh', '-c', 'head -c 1048576 /dev/zero | tr "\\0" x'] });
    t.equal((await client.run.wait({ runId: big.runId })).status, 'succeeded', 'the 1 MiB run succeeded');
    const rssBefore = residentBytes(daemon.child.pid!);
    const connection = await openRaw(daemon.url, daemon.token);
    connection.socket.pause(); // never read another byte
    const request = (id: number) =>
      encodeFrame(
        OPCODE.text,
        Buffer.from(
          JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'run.logs',
            params: { runId: big.runId, limit: 1_048_576 },
          }),
        ),
      );
    // A steady stream of requests for 1 MiB answers, for 6 s: gigabytes if the daemon kept answering.
    let id = 0;
    let peak = rssBefore;
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      for (let burst = 0; burst < 4; burst++) connection.socket.write(request(++id));
      peak = Math.max(peak, residentBytes(daemon.child.pid!));
      await sleep(10);
    }
    t.comment(
      `${id} requests; daemon RSS ${mb(rssBefore)} before, peak ${mb(peak)} while the client did not read`,
    );
    t.ok(
      // Without the pause this grew by 1.5 GB in 6 s; GC slack under a loaded CI machine reached 322 MiB.
      peak - rssBefore < 640 * 1_048_576,
      `the daemon's memory stayed bounded (grew ${mb(peak - rssBefore)})`,
    );
    connection.socket.destroy();
    t.match(await client.daemon.info(), { pid: daemon.child.pid }, 'the daemon still answers others');
  },
);

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
