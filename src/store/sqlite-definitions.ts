// The SQLite definition table: the `actions` or the `services` table, one named JSON spec a row.
import type Database from 'better-sqlite3';
import type { Definition, DefinitionTable } from './store.js';

/** The table of actions or of services: they share one shape, a named JSON spec with its source and times. */
export class SqliteDefinitionTable<T extends Definition> implements DefinitionTable<T> {
  readonly #put;
  readonly #get;
  readonly #list;
  readonly #delete;

  constructor(db: Database.Database, table: 'actions' | 'services') {
    this.#put = db.prepare(`
      INSERT INTO ${table} (name, spec, source, created_at, updated_at) VALUES (@name, @spec, @source, @created, @updated)
      ON CONFLICT (name) DO UPDATE SET spec = @spec, source = @source, updated_at = @updated`);
    this.#get = db.prepare<[string], DefinitionRow>(`SELECT * FROM ${table} WHERE name = ?`);
    this.#list = db.prepare<[], DefinitionRow>(`SELECT * FROM ${table} ORDER BY name`);
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE name = ?`);
  }

  async put(definition: T): Promise<void> {
    this.#put.run({
      name: definition.spec.name,
      spec: JSON.stringify(definition.spec),
      source: definition.source,
      created: definition.createdAt,
      updated: definition.updatedAt,
    });
  }

  async get(name: string): Promise<T | undefined> {
    const row = this.#get.get(name);
    return row && this.#from(row);
  }

  async list(): Promise<T[]> {
    return this.#list.all().map((row) => this.#from(row));
  }

  async delete(name: string): Promise<boolean> {
    return this.#delete.run(name).changes > 0;
  }

  #from(row: DefinitionRow): T {
    return {
      spec: JSON.parse(row.spec),
      source: row.source,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    } as T;
  }
}

interface DefinitionRow {
  name: string;
  spec: string;
  source: string;
  created_at: string;
  updated_at: string;
}
