// The database's health as the PostgreSQL store sees it, on a real pool through a TCP proxy that a test
// takes down and up: while the database is lost, queries fail at once until their backoff is due, and
// the heartbeat's probe goes through regardless, so it finds the database back first.
import pg from 'pg';
import t from 'tap';
import { DatabaseHealth } from '../../src/store/postgres-health.js';
import { databaseProxy } from '../helpers/database-proxy.js';
import { silentLog, skipWithoutPostgres } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

const reasonOf = (call: Promise<unknown>) =>
  call.then(
    () => 'answered',
    (error: { reason?: string; message: string }) => error.reason ?? error.message,
  );

t.test(
  'while the database is lost a query waits out its backoff, the probe does not, and its answer ends the outage',
  { skip },
  async (t) => {
    const proxy = await databaseProxy(t);
    const raw = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` });
    raw.on('error', () => {});
    t.teardown(() => raw.end());
    const { pool, probe } = new DatabaseHealth('PostgreSQL under test', silentLog).wrap(raw);
    t.equal(await reasonOf(pool.query('SELECT 1')), 'answered');

    proxy.down();
    t.equal(await reasonOf(pool.query('SELECT 1')), 'store_unavailable', 'lost');
    t.equal(await reasonOf(probe('SELECT 1', [])), 'store_unavailable', 'the probe finds it lost too');
    proxy.up();
    // Both failures above set the next try 0.5 s ahead: a query now is not let through.
    t.equal(await reasonOf(pool.query('SELECT 1')), 'store_unavailable', 'a query waits out its backoff');
    t.equal(await reasonOf(probe('SELECT 1', [])), 'answered', 'the probe goes through');
    t.equal(await reasonOf(pool.query('SELECT 1')), 'answered', 'and the outage is over for every query');
  },
);
