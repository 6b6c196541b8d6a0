// A `--store postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]` URL: parsed once, checked, and shown
// only with its password replaced, as the password must never reach a log, an error or daemon.info.
import { StartFailure } from '../schema/start-failure.js';

export type PostgresUrl = `postgres://${string}` | `postgresql://${string}`;

export interface PostgresTarget {
  /** The URL without `schema`, for the driver: libpq's own parameters (sslmode, ...) pass through. */
  connectionString: string;
  schema: string;
  host: string;
  port: number;
  user: string;
  database: string;
}

export const isPostgresUrl = (value: string): value is PostgresUrl => /^postgres(ql)?:\/\//.test(value);

// An unquoted identifier, so it needs no quoting anywhere: lower case, as PostgreSQL folds it.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws StartFailure('store_url_invalid') naming what is wrong, never the password. */
export function parsePostgresUrl(value: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(redactText(value), 'it is not a URL');
  }
  const redacted = redactUrl(url);
  if (!isPostgresUrl(value)) throw invalid(redacted, 'it must start with postgres:// or postgresql://');
  if (url.hostname === '') throw invalid(redacted, 'it names no host');
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw invalid(redacted, `"${part}" is not percent-encoded text`);
    }
  };
  const database = decode(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw invalid(redacted, 'it must name one database: /DB');
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema))
    throw invalid(redacted, `schema "${schema}" must be lower-case letters, digits and _, at most 63`);
  const driverUrl = new URL(url);
  driverUrl.searchParams.delete('schema');
  return {
    connectionString: driverUrl.href,
    schema,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 5432 : Number(url.port),
    user: decode(url.username),
    database,
  };
}

/** The URL as it may be shown: its password, if any, replaced. */
function redactUrl(url: URL): string {
  if (url.password === '') return url.href;
  const shown = new URL(url);
  shown.password = '***';
  return shown.href;
}

/** For text that is no URL at all: whatever stands between `:` and `@` after the scheme may be a password. */
export const redactText = (value: string) => value.replace(/^([a-z]+:\/\/[^:@/]*:)[^@]*@/i, '$1***@');

const invalid = (shown: string, problem: string) =>
  new StartFailure('store_url_invalid', `the store URL ${shown} is not usable: ${problem}`);
