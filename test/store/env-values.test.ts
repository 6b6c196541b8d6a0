// What the index keeps of a run's env: its values while the run is queued, nothing once it has started.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

const SECRET = 'hunter2-do-not-store-me';

/** Every byte of the database and its WAL, as text, for a search that SQL cannot fool. */
async function databaseBytes(stateDir: string): Promise<string> {
  const parts = await Promise.all(
    ['', '-wal'].map((suffix) =>
      readFile(join(stateDir, `runyard.db${suffix}`)).catch(() => Buffer.alloc(0)),
    ),
  );
  return Buffer.concat(parts).toString('latin1');
}

t.test('env values are in the index while a run is queued and erased once it starts', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-concurrent', '1'] });
  const client = await daemon.client();
  const blocker = await client.run.start({ argv: ['sleep', '30'] });
  // The command proves the run got the value without naming it: argv is recorded everywhere.
  const queued = await client.run.start({
    argv: ['sh', '-c', `test "\${#PASSWORD}" -eq ${SECRET.length}`],
    env: { PASSWORD: SECRET },
  });
  t.equal(queued.status, 'queued');
  t.match(
    await databaseBytes(daemon.stateDir),
    SECRET,
    'a queued run keeps its values, to start after a restart',
  );

  await client.run.cancel({ runId: blocker.runId });
  const done = await client.run.wait({ runId: queued.runId, timeoutMs: 20_000 });
  t.equal(done.status, 'succeeded', 'the run got its env');
  const db = new Database(join(daemon.stateDir, 'runyard.db'), { readonly: true });
  const { request } = db.prepare('SELECT request FROM runs WHERE id = ?').get(queued.runId) as {
    request: string;
  };
  db.close();
  t.notOk('env' in JSON.parse(request), 'the row of a started run holds no env');

  await daemon.stop();
  const bytes = await databaseBytes(daemon.stateDir);
  t.notMatch(bytes, SECRET, 'no byte of the value is left in the database files, free pages included');
  t.equal(
    (await stat(join(daemon.stateDir, 'runyard.db'))).mode & 0o777,
    0o600,
    'the index is private to its owner',
  );
});
