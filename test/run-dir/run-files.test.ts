// A run can rewrite its own directory: what it puts in place of the daemon's files is never followed or trusted.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

const SECRET = 'outside-the-runs-directory-7f3a';

t.test('run files a run replaced', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const outside = join(daemon.home, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'stdout.log'), `${SECRET}\n`);
  const event = { seq: 1, time: '2026-01-01T00:00:00.000Z', type: 'note', message: SECRET };
  await writeFile(join(outside, 'events.jsonl'), `${JSON.stringify(event)}\n`);
  const finish = async (script: string) => {
    const run = await client.run.start({ argv: ['sh', '-c', script] });
    return client.run.wait({ runId: run.runId, timeoutMs: 20_000 });
  };

  t.test('a logs/ folder swapped for a symlink out of the runs directory reads as empty', async (t) => {
    const run = await finish(`echo mine; mv logs logs.moved && ln -s ${outside} logs`);
    const logs = await client.run.logs({ runId: run.runId });
    t.notMatch(logs.text, SECRET);
    t.equal(logs.text, '');
  });

  t.test('an events.jsonl swapped for a symlink out of the runs directory is not read', async (t) => {
    // The daemon opens its event log as the run starts: wait for it to be there before swapping it.
    const run = await finish(
      `until [ -e events.jsonl ]; do sleep 0.01; done; rm events.jsonl && ln -s ${join(outside, 'events.jsonl')} events.jsonl`,
    );
    const page = await client.run.events({ runId: run.runId });
    t.notMatch(JSON.stringify(page), SECRET);
    t.same(page.events, []);
  });

  t.test('an events.jsonl the run removed is not made again from a later seq: the run fails', async (t) => {
    const run = await finish('until [ -e events.jsonl ]; do sleep 0.01; done; rm events.jsonl; echo after');
    t.equal(run.status, 'failed');
    t.match(run.error, { reason: 'io_error', message: /events\.jsonl: ENOENT/ });
    await t.rejects(stat(join(run.runDir, 'events.jsonl')), { code: 'ENOENT' }, 'no log that starts mid-run');
  });

  t.test(
    'a 100,000-deep line or a 2 MB line in events.jsonl ends the log there, and the daemon goes on',
    async (t) => {
      const lines = {
        deep: `'['.repeat(100_000)`,
        long: `'{"seq":99,"junk":"' + 'x'.repeat(2_000_000) + '"}'`,
      };
      for (const line of Object.values(lines)) {
        const run = await client.run.start({
          argv: [process.execPath, '-e', `require('fs').appendFileSync('events.jsonl', ${line} + '\\n')`],
        });
        await client.run.wait({ runId: run.runId, timeoutMs: 20_000 });
        const page = await client.run.events({ runId: run.runId, limit: 10_000 });
        t.ok(page.events.length >= 3, 'the events before the line are served');
        t.ok(
          page.events.every((event, index) => event.seq === index + 1),
          'gap-free from 1 up to the bad line',
        );
        t.equal((await client.daemon.info()).pid, daemon.child.pid, 'the daemon still answers');
      }
    },
  );

  t.test('a FIFO in place of a log is refused, not waited on', async (t) => {
    const run = await finish('rm logs/stdout.log && mkfifo logs/stdout.log');
    t.same(await client.run.logs({ runId: run.runId }), {
      text: '',
      offset: 0,
      nextOffset: 0,
      size: 0,
      eof: true,
    });
  });
});
