// Bad input never becomes a run that holds a slot: refused by the schema, or ended failed with a reason.
import { readdir } from 'node:fs/promises';
import t from 'tap';
import { RpcError, type RunyardClient } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const outcome = await promise.then(
    () => new Error('expected the call to be refused'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof RpcError)) throw outcome;
  return outcome;
}

t.test('a NUL byte in anything that reaches the process is refused, naming the field', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const cases: [string, Parameters<RunyardClient['run']['start']>[0]][] = [
    ['/argv/1', { argv: ['echo', 'a\u0000b'] }],
    ['/argv/0', { argv: ['ec\u0000ho'] }],
    ['/env/GREETING', { argv: ['true'], env: { GREETING: 'hello\u0000world' } }],
    ['/cwd', { argv: ['true'], cwd: 'logs\u0000' }],
    ['/outputDir', { argv: ['true'], outputDir: 'out\u0000put' }],
  ];
  for (const [path, params] of cases) {
    const error = await refusal(client.run.start(params));
    t.equal(error.code, -32602, path);
    t.match(error.data, {
      reason: 'invalid_params',
      errors: [{ path, message: 'must not contain NUL bytes' }],
    });
  }
  t.same(await readdir(daemon.runsDir), [], 'nothing was created for any of them');
});

t.test('env names and label keys outside their patterns are refused, not stored', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const cases: Parameters<RunyardClient['run']['start']>[0][] = [
    { argv: ['true'], env: { 'NOT=A NAME': 'x' } },
    { argv: ['true'], env: { '': 'x' } },
    { argv: ['true'], labels: { 'has space': 'x' } },
    { argv: ['true'], labels: { ['k'.repeat(64)]: 'x' } },
  ];
  for (const params of cases) {
    const error = await refusal(client.run.start(params));
    t.equal(error.code, -32602, JSON.stringify(params));
  }
  t.same((await client.run.list({})).runs, [], 'run.list still answers, with nothing in it');
});

t.test('a run too large for execve ends failed with spawn_failed and frees its slot', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-concurrent', '1'] });
  const client = await daemon.client();
  // Within the schema's limit, but one NAME=value string is longer than execve takes (E2BIG).
  const env = { BIG: 'x'.repeat(131_072) };
  const tooBig = [
    await client.run.start({ argv: ['true'], env }),
    await client.run.start({ argv: ['true'], env }),
  ];
  for (const run of tooBig) {
    const done = await client.run.wait({ runId: run.runId, timeoutMs: 20_000 });
    t.match(done, { status: 'failed', exitCode: null, error: { reason: 'spawn_failed' } });
    t.match(done.error!.message, /E2BIG/);
  }
  const after = await client.run.start({ argv: ['true'] });
  t.equal(
    (await client.run.wait({ runId: after.runId, timeoutMs: 20_000 })).status,
    'succeeded',
    'the next run runs',
  );

  await daemon.stop();
  const again = await startDaemon(t, { home: daemon.home, args: ['--max-concurrent', '1'] });
  const client2 = await again.client();
  for (const run of tooBig) t.equal((await client2.run.status({ runId: run.runId })).status, 'failed');
  const later = await client2.run.start({ argv: ['true'] });
  t.equal(
    (await client2.run.wait({ runId: later.runId, timeoutMs: 20_000 })).status,
    'succeeded',
    'and after a restart',
  );
});
