// Schema migrations of the PostgreSQL store: numbered plain-SQL files in postgres-migrations/, applied in
// order at start-up; the table runyard_migrations records each one applied. Never edit a published
// migration: add the next file.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { packageFile } from '../fs/package-root.js';
import { StartFailure } from '../schema/start-failure.js';

export interface Migration {
  version: number;
  /** The file's first line, a `-- comment`. */
  name: string;
  sql: string;
}

// scripts/build-packages.ts copies them from src/ to dist/, and so into the package.
const DIRECTORY = packageFile('dist/src/store/postgres-migrations');
const FILE = /^(\d{6})\.sql$/;

let loaded: Promise<Migration[]> | undefined;

/** Every migration, in version order; read once, when a PostgreSQL store is first opened. */
export const loadMigrations = (): Promise<Migration[]> => (loaded ??= readMigrations());

async function readMigrations(): Promise<Migration[]> {
  const files = (await readdir(DIRECTORY)).filter((name) => FILE.test(name)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(DIRECTORY, file), 'utf8');
      return { version: Number(FILE.exec(file)![1]), name: sql.split('\n')[0]!.replace(/^--\s*/, ''), sql };
    }),
  );
}

/**
 * Creates the schema if it is missing and applies every migration it lacks, all in one transaction that
 * holds an advisory lock on the schema's name: daemons starting together apply each migration once, the
 * later ones wait and find nothing left to do, and a failure leaves the schema as it was.
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<void> {
  const migrations = await loadMigrations();
  const latest = migrations.at(-1)!.version;
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('runyard migrations'), hashtext($1))", [
      schema,
    ]);
    // `schema` is an unquoted identifier (postgres-url.ts checks it), safe to write into the statement.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${schema}.runyard_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0) AS version FROM ${schema}.runyard_migrations`,
    );
    const current = rows[0]!.version;
    if (current > latest) {
      throw new StartFailure(
        'store_schema_newer',
        `the PostgreSQL schema "${schema}" was written by a newer runyard (schema version ${current}); this ` +
          `runyard knows up to version ${latest}. Upgrade runyard, or give --store another ?schema=NAME.`,
      );
    }
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${schema}.runyard_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
