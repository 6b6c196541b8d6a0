// The SQLite run table: the runs, their labels and attempts, as rows of `runs`, `run_labels` and `run_attempts`.
import type Database from 'better-sqlite3';
import type { AttemptRecord } from '../schema/run-dir.js';
import type { RunRecord, RunStatus } from '../schema/run.js';
import { GroupCommit } from './group-commit.js';
import type { LeaseLostError } from './lease-lost.js';
import { foldAscii } from './queries.js';
import { runColumns } from './run-columns.js';
import {
  UNFINISHED,
  type PruneQuery,
  type RunQuery,
  type RunResults,
  type RunTable,
  type StoredRun,
} from './store.js';

interface RunRow {
  record: string;
  request: string;
  process_pid: number | null;
  process_start_time: string | null;
  summary_path: string | null;
  manifest_path: string | null;
  reports: string | null;
}

interface AttemptRow {
  attempt: number;
  pid: number | null;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  signal: string | null;
  outcome: string | null;
}

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

export class SqliteRunTable implements RunTable {
  readonly #db: Database.Database;
  readonly #nodeId: string;
  readonly #statements;
  readonly #commits: GroupCommit;

  /** `db` is open and migrated; `nodeId` is recorded with every row this table writes. */
  constructor(db: Database.Database, nodeId: string) {
    this.#db = db;
    this.#nodeId = nodeId;
    this.#commits = new GroupCommit(db);
    this.#statements = {
      insertRun: db.prepare(`
        INSERT INTO runs (id, status, priority, action_id, service_id, idempotency_key, request, record, attempt,
          max_attempts, run_dir, exit_code, signal, error_code, error_message, summary_path, manifest_path, reports,
          labels, created_at, updated_at, started_at, finished_at, node_id, process_pid, process_start_time)
        VALUES (@id, @status, @priority, @action_id, @service_id, @idempotency_key, @request, @record, @attempt,
          @max_attempts, @run_dir, @exit_code, @signal, @error_code, @error_message, @summary_path, @manifest_path,
          @reports, @labels, @created_at, @updated_at, @started_at, @finished_at, @node_id, @process_pid,
          @process_start_time)`),
      updateRun: db.prepare(`
        UPDATE runs SET status = @status, priority = @priority, action_id = @action_id, service_id = @service_id,
          request = @request, record = @record, attempt = @attempt, max_attempts = @max_attempts, run_dir = @run_dir,
          exit_code = @exit_code, signal = @signal, error_code = @error_code, error_message = @error_message,
          summary_path = @summary_path, manifest_path = @manifest_path, reports = @reports, labels = @labels,
          updated_at = @updated_at, started_at = @started_at, finished_at = @finished_at, node_id = @node_id,
          process_pid = @process_pid, process_start_time = @process_start_time
        WHERE id = @id`),
      recordResults: db.prepare(`
        UPDATE runs SET summary_path = ?, manifest_path = ?, reports = ?
        WHERE id = ? AND summary_path IS NULL AND status NOT IN (${placeholders(UNFINISHED.length)})`),
      insertLabel: db.prepare('INSERT INTO run_labels (run_id, key, value) VALUES (?, ?, ?)'),
      deleteAttempts: db.prepare('DELETE FROM run_attempts WHERE run_id = ?'),
      insertAttempt: db.prepare(`
        INSERT INTO run_attempts (run_id, attempt, pid, started_at, finished_at, exit_code, signal, outcome)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      getRecord: db.prepare<[string], { record: string }>('SELECT record FROM runs WHERE id = ?'),
      byKey: db.prepare<[string], { record: string }>('SELECT record FROM runs WHERE idempotency_key = ?'),
      unfinished: db.prepare<string[], RunRow & { id: string }>(`
        SELECT id, record, request, process_pid, process_start_time, summary_path, manifest_path, reports
        FROM runs WHERE status IN (${placeholders(UNFINISHED.length)})
        ORDER BY priority DESC, id ASC`),
      unretained: db.prepare<string[], RunRow & { id: string }>(`
        SELECT id, record, request, process_pid, process_start_time, summary_path, manifest_path, reports
        FROM runs WHERE status NOT IN (${placeholders(UNFINISHED.length)}) AND summary_path IS NULL
        ORDER BY id ASC`),
      attempts: db.prepare<[string], AttemptRow>(
        'SELECT * FROM run_attempts WHERE run_id = ? ORDER BY attempt',
      ),
      prunable: db.prepare<{ keepRuns: number | null; since: string | null }, { record: string }>(`
        SELECT record FROM (
          SELECT record, id, finished_at, ROW_NUMBER() OVER (ORDER BY finished_at DESC, id DESC) - 1 AS rank
          FROM runs WHERE finished_at IS NOT NULL AND status NOT IN (${UNFINISHED.map((s) => `'${s}'`).join(', ')})
        )
        WHERE (@keepRuns IS NOT NULL AND rank >= @keepRuns) OR (@since IS NOT NULL AND finished_at < @since)
        ORDER BY finished_at ASC, id ASC`),
    };
  }

  insert(run: StoredRun): Promise<void> {
    const { insertRun, insertLabel } = this.#statements;
    // The columns now: the caller may change its objects before the commit.
    const columns = runColumns(run, this.#nodeId);
    return this.#commits.run(() => {
      insertRun.run(columns);
      for (const [key, value] of Object.entries(run.record.labels))
        insertLabel.run(run.record.runId, key, value);
      this.#writeAttempts(run.record.runId, run.attempts);
    });
  }

  update(run: StoredRun): Promise<void> {
    const columns = runColumns(run, this.#nodeId);
    return this.#commits.run(() => {
      const { changes } = this.#statements.updateRun.run(columns);
      if (changes === 0) throw new Error(`run ${run.record.runId} is not stored`);
      this.#writeAttempts(run.record.runId, run.attempts);
    });
  }

  // One node: it holds every run it has.
  async lost(): Promise<LeaseLostError[]> {
    return [];
  }

  recordResults(runId: string, results: RunResults): Promise<void> {
    return this.#commits.run(() => {
      this.#statements.recordResults.run(
        results.summary,
        results.manifest,
        JSON.stringify(results.reports),
        runId,
        ...UNFINISHED,
      );
    });
  }

  /** Commits the writes still waiting for the end of the turn; every read does this first. */
  flush(): void {
    this.#commits.flush();
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    this.flush();
    const row = this.#statements.getRecord.get(runId);
    return row && (JSON.parse(row.record) as RunRecord);
  }

  async findByIdempotencyKey(key: string): Promise<RunRecord | undefined> {
    this.flush();
    const row = this.#statements.byKey.get(key);
    return row && (JSON.parse(row.record) as RunRecord);
  }

  async list(query: RunQuery): Promise<RunRecord[]> {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.before !== undefined) {
      where.push('id < ?');
      params.push(query.before);
    }
    if (query.status) {
      where.push(`status IN (${placeholders(query.status.length)})`);
      params.push(...query.status);
    }
    for (const column of ['action_id', 'service_id'] as const) {
      const value = column === 'action_id' ? query.actionId : query.serviceId;
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    for (const [key, value] of Object.entries(query.labels ?? {})) {
      where.push(
        'EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = runs.id AND l.key = ? AND l.value = ?)',
      );
      params.push(key, value);
    }
    if (query.text !== undefined) {
      // instr, not LIKE: the needle's % and _ stay literal. lower() folds ASCII only, as foldAscii does.
      where.push(`(instr(lower(id), ?) > 0
        OR instr(lower((SELECT group_concat(value, ' ') FROM json_each(record, '$.argv'))), ?) > 0
        OR EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = runs.id AND instr(lower(l.key || '=' || l.value), ?) > 0))`);
      params.push(...Array<string>(3).fill(foldAscii(query.text)));
    }
    // Filters vary per call, so this statement is prepared per call; better-sqlite3 caches nothing we lose.
    const rows = this.#db
      .prepare<(string | number)[], { record: string }>(
        `SELECT record FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      )
      .all(...params, query.limit);
    return rows.map((row) => JSON.parse(row.record) as RunRecord);
  }

  async listUnfinished(): Promise<StoredRun[]> {
    this.flush();
    return this.#statements.unfinished.all(...UNFINISHED).map((row) => this.#storedRun(row));
  }

  async listUnretained(): Promise<StoredRun[]> {
    this.flush();
    return this.#statements.unretained.all(...UNFINISHED).map((row) => this.#storedRun(row));
  }

  /** A row of the runs that need the engine after a restart, with what it needs: request, attempts, process. */
  #storedRun(row: RunRow & { id: string }): StoredRun {
    return {
      record: JSON.parse(row.record) as RunRecord,
      request: JSON.parse(row.request),
      attempts: this.#statements.attempts.all(row.id).map(fromAttemptRow),
      process:
        row.process_pid === null ? null : { pid: row.process_pid, startTime: row.process_start_time ?? '' },
      results: null,
    };
  }

  async listPrunable(query: PruneQuery): Promise<RunRecord[]> {
    if (query.keepRuns === undefined && query.keepFinishedSince === undefined) return [];
    this.flush();
    return this.#statements.prunable
      .all({ keepRuns: query.keepRuns ?? null, since: query.keepFinishedSince ?? null })
      .map((row) => JSON.parse(row.record) as RunRecord);
  }

  async delete(runIds: readonly string[]): Promise<number> {
    this.flush();
    let deleted = 0;
    this.#db.transaction(() => {
      // SQLite caps bound parameters; 500 per statement stays far below every build's limit.
      for (let i = 0; i < runIds.length; i += 500) {
        const chunk = runIds.slice(i, i + 500);
        deleted += this.#db
          .prepare(`DELETE FROM runs WHERE id IN (${placeholders(chunk.length)})`)
          .run(...chunk).changes;
      }
    })();
    return deleted;
  }

  #writeAttempts(runId: string, attempts: readonly AttemptRecord[]): void {
    const { deleteAttempts, insertAttempt } = this.#statements;
    deleteAttempts.run(runId);
    for (const a of attempts) {
      insertAttempt.run(runId, a.attempt, a.pid, a.startedAt, a.finishedAt, a.exitCode, a.signal, a.outcome);
    }
  }
}
function fromAttemptRow(row: AttemptRow): AttemptRecord {
  return {
    attempt: row.attempt,
    pid: row.pid,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
    signal: row.signal,
    outcome: row.outcome as RunStatus | null,
  };
}
