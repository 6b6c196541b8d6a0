// Schema migrations of the SQLite index, applied in order at start-up; PRAGMA user_version records the last.
// Never edit a published migration: add the next one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, labels and attempts',
    sql: `
      CREATE TABLE runs (
        id                 TEXT PRIMARY KEY,
        status             TEXT NOT NULL,
        priority           INTEGER NOT NULL,
        action_id          TEXT,
        service_id         TEXT,
        idempotency_key    TEXT UNIQUE,
        request            TEXT NOT NULL,
        record             TEXT NOT NULL,
        attempt            INTEGER NOT NULL,
        max_attempts       INTEGER NOT NULL,
        run_dir            TEXT NOT NULL,
        exit_code          INTEGER,
        signal             TEXT,
        error_code         TEXT,
        error_message      TEXT,
        summary_path       TEXT,
        manifest_path      TEXT,
        reports            TEXT,
        labels             TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        started_at         TEXT,
        finished_at        TEXT,
        node_id            TEXT NOT NULL,
        process_pid        INTEGER,
        process_start_time TEXT
      ) STRICT;
      CREATE INDEX runs_queue ON runs (status, priority DESC, created_at);
      CREATE INDEX runs_service ON runs (service_id, status);
      CREATE INDEX runs_action ON runs (action_id);
      CREATE INDEX runs_finished ON runs (finished_at);

      CREATE TABLE run_labels (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      ) STRICT;
      CREATE INDEX run_labels_lookup ON run_labels (key, value);

      CREATE TABLE run_attempts (
        run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        attempt     INTEGER NOT NULL,
        pid         INTEGER,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        exit_code   INTEGER,
        signal      TEXT,
        outcome     TEXT,
        PRIMARY KEY (run_id, attempt)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'actions and services',
    sql: `
      CREATE TABLE actions (
        name       TEXT PRIMARY KEY,
        spec       TEXT NOT NULL,
        source     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE services (
        name       TEXT PRIMARY KEY,
        spec       TEXT NOT NULL,
        source     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'index state',
    // An index that exists was complete when this version arrived: earlier ones rebuilt before serving.
    sql: `
      CREATE TABLE index_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      INSERT INTO index_state (key, value) VALUES ('rebuild', 'complete');
    `,
  },
];

export const latestVersion = migrations.at(-1)!.version;
