// PostgreSQL in tests: the local server (127.0.0.1:5432, trust auth), one fresh schema per test, dropped
// with it. Tests of the PostgreSQL store skip, saying why, where no server answers.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import { createLogger } from '../../src/log.js';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
const BASE = `postgres://postgres@${PG_HOST}:${PG_PORT}/test`;

/** Whether the server takes connections: probed once per test file. */
export const postgresAnswers = new Promise<boolean>((resolve) => {
  const socket = connect(PG_PORT, PG_HOST);
  const answer = (answers: boolean) => {
    socket.destroy();
    resolve(answers);
  };
  socket.once('connect', () => answer(true)).once('error', () => answer(false));
  socket.setTimeout(2_000, () => answer(false));
});

/** The `skip` option of a test that needs the server: false, or why it is skipped. */
export const skipWithoutPostgres = async (): Promise<false | string> =>
  (await postgresAnswers) ? false : `PostgreSQL does not answer on ${PG_HOST}:${PG_PORT}`;

/** Runs one statement on the test database, outside any store. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: BASE });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A schema name no other test uses, dropped (with all it holds) when `t` ends; the schema is not created. */
export function freshSchema(t: Test): { schema: string; url: string } {
  const schema = `runyard_test_${randomBytes(6).toString('hex')}`;
  t.teardown(() => sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  return { schema, url: `${BASE}?schema=${schema}` };
}

/** A logger for a store opened in a test, where no one reads what it logs. */
export const silentLog = createLogger({ write: () => {} });
