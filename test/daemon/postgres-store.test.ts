// A daemon on the PostgreSQL store: its runs survive a restart in the database, a queued run still runs,
// and a store it cannot use stops `serve` at once with a stable reason, naming no password.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { freshSchema, PG_HOST, PG_PORT, skipWithoutPostgres, sql } from '../helpers/postgres.js';
import { loadMigrations } from '../../src/store/postgres-migrations.js';

const skip = await skipWithoutPostgres();

t.test(
  'a daemon restarted on the same schema lists its runs and runs what was queued',
  { skip },
  async (t) => {
    const { url } = freshSchema(t);
    const args = ['--store', url, '--max-concurrent', '1'];
    const first = await startDaemon(t, { args });
    const client = await first.client();
    const done = await client.run.start({ argv: ['sh', '-c', 'echo done'], labels: { step: 'one' } });
    t.equal((await client.run.wait({ runId: done.runId })).status, 'succeeded');
    const blocker = await client.run.start({ argv: ['sleep', '300'] });
    const queued = await client.run.start({ argv: ['sh', '-c', 'echo "$WORD"'], env: { WORD: 'later' } });
    t.equal((await client.run.status({ runId: queued.runId })).status, 'queued');
    await first.stop('SIGKILL');
    t.notOk(existsSync(join(first.stateDir, 'runyard.db')), 'no SQLite index beside it');

    const second = await startDaemon(t, { home: first.home, args });
    const after = await second.client();
    t.same(
      (await after.run.list({ limit: 10 })).runs.map((run) => run.runId),
      [queued.runId, blocker.runId, done.runId],
      'every run, newest first',
    );
    t.match(await after.run.status({ runId: blocker.runId }), { status: 'interrupted' });
    t.equal((await after.run.wait({ runId: queued.runId })).status, 'succeeded', 'the queued run ran');
    t.same(
      (await after.run.list({ limit: 10, labels: { step: 'one' } })).runs.map((run) => run.runId),
      [done.runId],
    );
  },
);

t.test('a password in the store URL is never logged nor shown by daemon.info', { skip }, async (t) => {
  const { url } = freshSchema(t);
  // Trust authentication ignores the password, so the daemon starts with one in its URL.
  const daemon = await startDaemon(t, { args: ['--store', url.replace('postgres@', 'postgres:hunter2@')] });
  const client = await daemon.client();
  t.notOk(JSON.stringify(await client.daemon.info()).includes('hunter2'));
  await client.run.wait({ runId: (await client.run.start({ argv: ['true'] })).runId });
  t.notOk(daemon.log().includes('hunter2'));
});

const serve = async (t: Test, store: string) => {
  const home = await tempDir(t, 'serve-pg');
  const state = join(home, 'state');
  const result = await runCli([
    'serve',
    '--json',
    '--listen',
    '127.0.0.1:0',
    '--runs-dir',
    join(home, 'runs'),
    '--state-dir',
    state,
    '--store',
    store,
  ]);
  return { ...result, error: JSON.parse(result.stderr.trim().split('\n').at(-1)!).error, state };
};

t.test('a store serve cannot use stops the start with its reason, and nothing is served', async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      'postgres://postgres:hunter2@127.0.0.1:1/test',
      'store_unreachable',
      /cannot reach PostgreSQL at 127\.0\.0\.1:1 /,
    ],
    ['postgres://postgres:hunter2@[/test', 'store_url_invalid', /is not usable: it is not a URL/],
    ['postgres://postgres:hunter2@127.0.0.1/test?schema=No', 'store_url_invalid', /schema "No"/],
  ];
  if (!skip) {
    const base = `postgres://postgres:hunter2@${PG_HOST}:${PG_PORT}`;
    cases.push(
      [
        `${base}/runyard_no_such_database`,
        'store_database_missing',
        /has no database "runyard_no_such_database"/,
      ],
      [
        `postgres://runyard_no_such_role:hunter2@${PG_HOST}:${PG_PORT}/test`,
        'store_auth_failed',
        /refused user/,
      ],
    );
  }
  for (const [store, reason, message] of cases) {
    const result = await serve(t, store);
    t.equal(result.code, 1, `${reason}: exit 1`);
    t.equal(result.stdout, '', `${reason}: never said it listens`);
    t.equal(result.error.reason, reason);
    t.match(result.error.message, message, reason);
    t.notOk(result.stderr.includes('hunter2'), `${reason}: the password is not shown`);
    t.notOk(existsSync(join(result.state, 'daemon.json')), `${reason}: no daemon.json`);
  }
});

t.test(
  'a schema from a newer runyard: store_schema_newer, and the schema is left as it was',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    await sql(`CREATE SCHEMA ${schema}`);
    await sql(`CREATE TABLE ${schema}.runyard_migrations (version integer PRIMARY KEY, name text NOT NULL)`);
    await sql(`INSERT INTO ${schema}.runyard_migrations VALUES (999999, 'from the future')`);
    const result = await serve(t, url);
    t.equal(result.code, 1);
    t.equal(result.error.reason, 'store_schema_newer');
    const latest = (await loadMigrations()).at(-1)!.version;
    t.match(result.error.message, `schema version 999999); this runyard knows up to version ${latest}.`);
    t.same(
      (await sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema])).map(
        (row) => row.table_name,
      ),
      ['runyard_migrations'],
    );
  },
);

t.test('RUNYARD_STORE gives the store when --store does not', async (t) => {
  const home = await tempDir(t, 'serve-pg');
  const result = await runCli(
    [
      'serve',
      '--json',
      '--listen',
      '127.0.0.1:0',
      '--runs-dir',
      join(home, 'r'),
      '--state-dir',
      join(home, 's'),
    ],
    { env: { RUNYARD_STORE: 'postgres://postgres@127.0.0.1:1/test' } },
  );
  t.equal(result.code, 1);
  t.equal(JSON.parse(result.stderr.trim().split('\n').at(-1)!).error.reason, 'store_unreachable');
});

t.test('the config key store takes a URL; config check refuses one that cannot be used', async (t) => {
  const home = await tempDir(t, 'serve-pg');
  const file = join(home, 'runyard.json');
  await writeFile(file, JSON.stringify({ daemon: { store: 'postgres://postgres@127.0.0.1:1/test' } }));
  // In `home`, so that the state and runs directories it picks are the test's.
  const result = await runCli(['serve', '--json', '--config', file, '--listen', '127.0.0.1:0'], {
    cwd: home,
  });
  t.equal(result.code, 1);
  t.equal(JSON.parse(result.stderr.trim().split('\n').at(-1)!).error.reason, 'store_unreachable');
  await writeFile(
    file,
    JSON.stringify({ daemon: { store: 'postgres://u:hunter2@127.0.0.1/test?schema=X' } }),
  );
  const check = await runCli(['config', 'check', '--json', file]);
  t.equal(check.code, 1);
  t.match(check.stderr, /config_invalid/);
  t.match(check.stderr, /schema \\"X\\"/);
  t.notOk(check.stderr.includes('hunter2'));
});
