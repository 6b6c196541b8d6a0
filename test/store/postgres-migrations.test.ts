// The PostgreSQL store's migrations: applied once however many daemons start together, refused when the
// schema is newer than this runyard, and shipped in dist/ beside the module that reads them.
import { readdir } from 'node:fs/promises';
import t from 'tap';
import { StartFailure } from '../../src/schema/start-failure.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { loadMigrations } from '../../src/store/postgres-migrations.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import { freshSchema, silentLog, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

t.test('migration files are 000001.sql, 000002.sql ... in order, each named by its first line', async (t) => {
  const migrations = await loadMigrations();
  const versions = migrations.map((migration) => migration.version);
  // Increasing from 1, not necessarily one by one: branches written side by side are given numbers ahead
  // (000005 while 000004 is another's) and merged before a release, which then has no gap.
  t.equal(versions[0], 1);
  t.same(
    versions,
    [...versions].sort((x, y) => x - y).filter((version, index, all) => all.indexOf(version) === index),
    'increasing, no number twice',
  );
  for (const migration of migrations) t.ok(migration.name.length > 0, `${migration.version} has a name`);
});

t.test('dist/ carries every migration, as the package ships dist/', async (t) => {
  const list = async (root: string) =>
    (await readdir(new URL(`../../${root}/src/store/postgres-migrations/`, import.meta.url))).sort();
  t.same(await list('dist'), await list('.'));
});

t.test(
  'two stores opening one fresh schema at once both open; each migration is applied once',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const stores = await Promise.all(
      [1, 2].map((n) => PostgresStore.open(parsePostgresUrl(url), `node-${n}`, silentLog)),
    );
    t.teardown(() => Promise.all(stores.map((store) => store.close())));
    const applied = await sql<{ version: number }>(
      `SELECT version FROM ${schema}.runyard_migrations ORDER BY 1`,
    );
    t.same(
      applied.map((row) => row.version),
      (await loadMigrations()).map((migration) => migration.version),
    );
    await stores[0]!.actions.put({
      spec: { name: 'a', argv: ['true'] },
      source: 'rpc',
      createdAt: 'x',
      updatedAt: 'x',
    });
    t.equal((await stores[1]!.actions.get('a'))?.source, 'rpc', 'both use the one schema');
  },
);

t.test(
  'a schema from a newer runyard is refused naming both versions, and left as it was',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    await (await PostgresStore.open(parsePostgresUrl(url), 'node', silentLog)).close();
    const migrations = await loadMigrations();
    const latest = migrations.at(-1)!.version;
    await sql(`INSERT INTO ${schema}.runyard_migrations (version, name) VALUES ($1, 'from the future')`, [
      latest + 1,
    ]);
    const error = await PostgresStore.open(parsePostgresUrl(url), 'node', silentLog).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    t.ok(error instanceof StartFailure);
    t.equal((error as StartFailure).reason, 'store_schema_newer');
    t.match((error as Error).message, `schema version ${latest + 1}`);
    t.match((error as Error).message, `up to version ${latest}`);
    const rows = await sql(`SELECT version FROM ${schema}.runyard_migrations`);
    t.equal(rows.length, migrations.length + 1, 'every migration, and the one from the future');
  },
);

t.test('a schema that is missing is created', { skip }, async (t) => {
  const { schema, url } = freshSchema(t);
  t.same(await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]), []);
  await (await PostgresStore.open(parsePostgresUrl(url), 'node', silentLog)).close();
  t.equal((await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).length, 1);
});
