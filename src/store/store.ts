// The store interface: where run records are indexed. Async throughout, so a network database fits.
import type { RunRecord, RunStatus } from '../schema/run.js';

export interface RunQuery {
  status?: readonly RunStatus[];
  labels?: Readonly<Record<string, string>>;
  limit: number;
  /** Return runs strictly older than this run id. */
  before?: string;
}

export interface RunStore {
  insert(run: RunRecord): Promise<void>;
  /** Replaces the stored record of run.runId. */
  update(run: RunRecord): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  findByIdempotencyKey(key: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(query: RunQuery): Promise<RunRecord[]>;
  close(): Promise<void>;
}
