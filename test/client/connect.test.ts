// The SDK: finding the daemon, typed errors, per-call timeouts and abort signals.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  connect,
  ConnectError,
  ConnectionClosedError,
  RequestTimeoutError,
  RpcError,
  RunNotFoundError,
} from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

t.test('connect()', async (t) => {
  const daemon = await startDaemon(t);

  t.test('finds the daemon through daemon.json and the token in a state directory', async (t) => {
    const client = await connect({ stateDir: daemon.stateDir });
    t.teardown(() => client.close());
    t.equal((await client.daemon.info()).pid, daemon.child.pid);
  });

  t.test('finds the daemon through RUNYARD_URL and RUNYARD_TOKEN', async (t) => {
    process.env.RUNYARD_URL = daemon.url;
    process.env.RUNYARD_TOKEN = daemon.token;
    t.teardown(() => {
      delete process.env.RUNYARD_URL;
      delete process.env.RUNYARD_TOKEN;
    });
    const client = await connect();
    t.teardown(() => client.close());
    t.equal((await client.daemon.info()).pid, daemon.child.pid);
  });

  t.test('rejects with ConnectError when no daemon.json exists', async (t) => {
    const empty = await tempDir(t, 'empty');
    const error = await connect({ stateDir: empty }).catch((e: unknown) => e);
    t.ok(error instanceof ConnectError);
    t.match((error as Error).message, /daemon\.json/);
  });

  t.test('rejects with ConnectError when nothing listens at the url', async (t) => {
    const dir = await tempDir(t, 'stale');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'daemon.json'), JSON.stringify({ url: 'ws://127.0.0.1:1/rpc' }));
    await writeFile(join(dir, 'token'), daemon.token);
    const error = await connect({ stateDir: dir }).catch((e: unknown) => e);
    t.ok(error instanceof ConnectError);
    t.equal((error as ConnectError).status, undefined);
  });

  t.test('application errors arrive as their generated class', async (t) => {
    const client = await daemon.client();
    const error = await client.run.status({ runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE' }).catch((e: unknown) => e);
    t.ok(error instanceof RunNotFoundError);
    t.ok(error instanceof RpcError);
    t.match(error, { code: 1001, reason: 'run_not_found', data: { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE' } });
  });

  t.test('a call that outlives its timeout rejects with RequestTimeoutError', async (t) => {
    const client = await daemon.client();
    const run = await client.run.start({ argv: ['sleep', '30'] });
    const error = await client.run
      .wait({ runId: run.runId, timeoutMs: 10_000 }, { timeoutMs: 50 })
      .catch((e: unknown) => e);
    t.ok(error instanceof RequestTimeoutError);
    t.match(error, { method: 'run.wait', timeoutMs: 50 });
    await client.run.cancel({ runId: run.runId });
  });

  t.test('an aborted call rejects with the signal’s reason', async (t) => {
    const client = await daemon.client();
    const run = await client.run.start({ argv: ['sleep', '30'] });
    const controller = new AbortController();
    const waiting = client.run.wait({ runId: run.runId, timeoutMs: 10_000 }, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    const error = await waiting.catch((e: unknown) => e);
    t.match(error, { message: 'user gave up' });
    t.equal(
      (await client.run.cancel({ runId: run.runId })).status,
      'cancelled',
      'the connection still works',
    );
  });

  t.test('pending calls reject with ConnectionClosedError when the connection closes', async (t) => {
    const client = await daemon.client();
    const run = await client.run.start({ argv: ['sleep', '30'] });
    const waiting = client.run.wait({ runId: run.runId, timeoutMs: 10_000 });
    await client.close();
    t.ok((await waiting.catch((e: unknown) => e)) instanceof ConnectionClosedError);
    const after = await client.daemon.info().catch((e: unknown) => e);
    t.ok(after instanceof ConnectionClosedError, 'calls after close fail the same way');
    const other = await daemon.client();
    await other.run.cancel({ runId: run.runId });
  });
});
