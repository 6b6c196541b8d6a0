// Store URLs: libpq-style, a schema chosen by ?schema=, and the password never shown.
import t from 'tap';
import { StartFailure } from '../../src/schema/start-failure.js';
import { parsePostgresUrl, redactText } from '../../src/store/postgres-url.js';

t.test('a URL gives the server, database, user and schema; the driver never sees ?schema=', async (t) => {
  const target = parsePostgresUrl('postgres://ci:s3cret@db.example:6543/jobs?schema=runyard&sslmode=require');
  t.match(target, { host: 'db.example', port: 6543, user: 'ci', database: 'jobs', schema: 'runyard' });
  t.equal(target.connectionString, 'postgres://ci:s3cret@db.example:6543/jobs?sslmode=require');
  t.match(parsePostgresUrl('postgresql://me@[::1]/test'), { host: '::1', port: 5432, schema: 'public' });
});

t.test('a URL that cannot be used is store_url_invalid, and its password is not echoed', async (t) => {
  for (const [url, problem] of [
    ['postgres://u:s3cret@/db', /not a URL/],
    ['postgres:///db', /names no host/],
    ['postgres://u:s3cret@host/%zz', /"%zz" is not percent-encoded/],
    ['postgres://u:s3cret@host', /one database/],
    ['postgres://u:s3cret@host/a/b', /one database/],
    ['postgres://u:s3cret@host/db?schema=Bad-Name', /schema "Bad-Name"/],
    ['postgres://u:s3cret@host:99999/db', /not a URL/],
  ] as const) {
    let error: unknown;
    try {
      parsePostgresUrl(url);
    } catch (thrown) {
      error = thrown;
    }
    t.ok(error instanceof StartFailure, url);
    t.equal((error as StartFailure).reason, 'store_url_invalid', url);
    t.match((error as Error).message, problem, url);
    t.notOk((error as Error).message.includes('s3cret'), `${url}: the password is not shown`);
  }
  t.equal(redactText('mysql://u:s3cret@host/db'), 'mysql://u:***@host/db');
});
