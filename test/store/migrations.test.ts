// Migrations: every earlier schema version upgrades to the same schema a fresh database gets.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { latestVersion, migrations } from '../../src/store/sqlite-migrations.js';
import { migrate, SqliteStore, StoreVersionError } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/fs.js';

async function tempDb(t: Test): Promise<string> {
  const dir = await tempDir(t, 'migrate');
  return join(dir, 'runyard.db');
}

const schemaOf = (path: string) => {
  const db = new Database(path);
  try {
    return db
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
      .all();
  } finally {
    db.close();
  }
};

t.test('migration versions are 1, 2, 3 ... in order', async (t) => {
  t.same(
    migrations.map((migration) => migration.version),
    migrations.map((_, index) => index + 1),
  );
});

t.test('a fresh database and one upgraded from every earlier version end with the same schema', async (t) => {
  const fresh = await tempDb(t);
  await new SqliteStore(fresh, 'node').close();
  const expected = schemaOf(fresh);
  for (let version = 0; version < latestVersion; version++) {
    const path = await tempDb(t);
    const db = new Database(path);
    migrate(db, version);
    t.equal(db.pragma('user_version', { simple: true }), version);
    db.close();
    await new SqliteStore(path, 'node').close();
    t.same(schemaOf(path), expected, `from version ${version}`);
    const upgraded = new Database(path);
    t.equal(upgraded.pragma('user_version', { simple: true }), latestVersion);
    upgraded.close();
  }
});

t.test('a database from a newer runyard is refused with both versions named', async (t) => {
  const path = await tempDb(t);
  await new SqliteStore(path, 'node').close();
  const db = new Database(path);
  db.pragma(`user_version = ${latestVersion + 1}`);
  db.close();
  let error: unknown;
  try {
    new SqliteStore(path, 'node');
  } catch (thrown) {
    error = thrown;
  }
  t.ok(error instanceof StoreVersionError);
  t.match((error as Error).message, `schema version ${latestVersion + 1}`);
  t.match((error as Error).message, `up to version ${latestVersion}`);
});
