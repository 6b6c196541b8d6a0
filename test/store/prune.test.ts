// Pruning in-process: a prune that dies midway never leaves a directory the index has forgotten.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { exampleRun, type RunRecord } from '../../src/schema/run-record.js';
import { MemoryRunTable } from '../../src/store/memory.js';
import { pruneRuns } from '../../src/store/prune.js';
import { tempDir } from '../helpers/fs.js';

/** A run table that fails like a process killed between two of its writes: deletes past the first never happen. */
class DyingRunTable extends MemoryRunTable {
  isDying = true;
  #deletes = 0;
  override async delete(runIds: readonly string[]): Promise<number> {
    if (this.isDying && ++this.#deletes > 1) throw new Error('killed');
    return super.delete(runIds);
  }
}

const finished = (runsDir: string, index: number): RunRecord => {
  const runId = `01JD6W4ZK3Q8V5N2M7XKC${String(index).padStart(5, '0')}`;
  const finishedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString();
  const runDir = join(runsDir, runId);
  return {
    ...exampleRun,
    runId,
    cwd: runDir,
    runDir,
    createdAt: finishedAt,
    startedAt: finishedAt,
    finishedAt,
  };
};

t.test(
  'a prune killed midway leaves index rows to prune again, never a directory the index forgot',
  async (t) => {
    const runsDir = await tempDir(t, 'prune');
    const table = new DyingRunTable();
    const runs = Array.from({ length: 250 }, (_, index) => finished(runsDir, index));
    for (const record of runs) {
      await mkdir(record.runDir);
      await table.insert({ record, request: { argv: ['true'] }, attempts: [], process: null, results: null });
    }
    await t.rejects(pruneRuns(table, runsDir, { keepRuns: 10, pruneDirs: true }), /killed/);
    for (const record of runs) {
      const known = (await table.get(record.runId)) !== undefined;
      if (!known)
        t.notOk(existsSync(record.runDir), `${record.runId}: forgotten only after its directory went`);
    }
    const known = await Promise.all(runs.map((record) => table.get(record.runId)));
    t.ok(known.filter(Boolean).length < runs.length, 'some runs were pruned before the crash');

    table.isDying = false;
    const next = await pruneRuns(table, runsDir, { keepRuns: 10, pruneDirs: true });
    t.ok(next.runs.length > 0, 'the next prune finds the rest');
    const kept = runs.filter((record) => existsSync(record.runDir));
    t.same(
      kept.map((record) => record.runId),
      runs.slice(-10).map((record) => record.runId),
      'in the end the newest ten are left, directories and rows alike',
    );
    for (const record of kept) t.ok(await table.get(record.runId));
  },
);
