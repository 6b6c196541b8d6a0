// The PostgreSQL definition table: the `actions` or the `services` table, one named JSON spec a row.
import type pg from 'pg';
import type { Definition, DefinitionTable } from './store.js';

interface DefinitionRow {
  spec: string;
  source: string;
  created_at: string;
  updated_at: string;
}

/** The table of actions or of services: they share one shape, a named JSON spec with its source and times. */
export class PostgresDefinitionTable<T extends Definition> implements DefinitionTable<T> {
  readonly #pool: pg.Pool;
  readonly #table: 'actions' | 'services';

  constructor(pool: pg.Pool, table: 'actions' | 'services') {
    this.#pool = pool;
    this.#table = table;
  }

  async put(definition: T): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#table} (name, spec, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET spec = $2, source = $3, updated_at = $5`,
      [
        definition.spec.name,
        JSON.stringify(definition.spec),
        definition.source,
        definition.createdAt,
        definition.updatedAt,
      ],
    );
  }

  async get(name: string): Promise<T | undefined> {
    return (await this.#select('WHERE name = $1', [name]))[0];
  }

  async list(): Promise<T[]> {
    return this.#select('ORDER BY name', []);
  }

  async delete(name: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(`DELETE FROM ${this.#table} WHERE name = $1`, [name]);
    return (rowCount ?? 0) > 0;
  }

  async #select(rest: string, params: unknown[]): Promise<T[]> {
    const { rows } = await this.#pool.query<DefinitionRow>(
      `SELECT spec, source, created_at, updated_at FROM ${this.#table} ${rest}`,
      params,
    );
    return rows.map(
      (row) =>
        ({
          spec: JSON.parse(row.spec),
          source: row.source,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }) as T,
    );
  }
}
