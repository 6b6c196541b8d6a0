// `runyard index rebuild|prune`: offline maintenance of the run index, while no daemon uses it.
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { liveDaemon, loadOrCreateNodeId } from '../../daemon/state-dir.js';
import { DATABASE_FILE, rebuildSqliteIndex } from '../../store/open.js';
import { pruneRuns } from '../../store/prune.js';
import { SqliteStore } from '../../store/sqlite.js';
import {
  DEFAULT_RUNS_DIR,
  DEFAULT_STATE_DIR,
  findProjectDir,
  RUNS_DIR_ENV,
  runsDirFrom,
  STATE_DIR_ENV,
  stateDirFrom,
} from '../defaults.js';
import { clientOptions } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { CommandFailure, EXIT, parseFlags, UsageError } from '../usage.js';
import { integer } from './run-args.js';

const OPTIONS = defineOptions({
  'keep-runs': { type: 'string', value: 'N', help: 'prune: keep at most N finished runs' },
  'keep-days': { type: 'string', value: 'D', help: 'prune: drop finished runs older than D days' },
  'prune-dirs': { type: 'boolean', help: "prune: also delete the pruned runs' directories" },
  'dry-run': { type: 'boolean', help: 'prune: only list what would be removed' },
  'runs-dir': { type: 'string', value: 'DIR', help: 'the runs directory', completes: 'dir' },
  'state-dir': { ...clientOptions['state-dir'], help: 'the state directory, which holds the index' },
  json: { type: 'boolean', help: 'print the result as JSON' },
  help: clientOptions.help,
});

export const declaration = { options: OPTIONS, positionals: [] } as const;

const HELP = `Usage:
  runyard index rebuild [--runs-dir DIR] [--state-dir DIR] [--json]
      Scan the run directories and make the index agree with them. Idempotent. Directories that
      cannot be read are skipped and named on stderr (with --json: in "problems").
  runyard index prune (--keep-runs N | --keep-days D) [--prune-dirs] [--dry-run] [--runs-dir DIR] [--state-dir DIR] [--json]
      Remove finished runs beyond the limits from the index (never a queued or active run);
      with --prune-dirs also their run directories. --dry-run only lists them.

Both refuse to run while a daemon uses the state directory. Defaults: --state-dir (env ${STATE_DIR_ENV})
the nearest ${DEFAULT_STATE_DIR} here or in a parent directory, else ./${DEFAULT_STATE_DIR}; --runs-dir
(env ${RUNS_DIR_ENV}) ${DEFAULT_RUNS_DIR} beside it.

${optionLines(OPTIONS)}`;

export async function maintainIndex(command: 'rebuild' | 'prune', args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    allowPositionals: false,
    options: OPTIONS,
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const keepRuns = integer('--keep-runs', values['keep-runs'], 0);
  const keepDays = integer('--keep-days', values['keep-days'], 0);
  if (command === 'prune' && keepRuns === undefined && keepDays === undefined) {
    throw new UsageError('index prune needs --keep-runs or --keep-days');
  }

  const project = await findProjectDir();
  const stateDirArg = stateDirFrom(values['state-dir'], process.env, project);
  const runsDirArg = runsDirFrom(values['runs-dir'], process.env, project);
  await mkdir(stateDirArg, { recursive: true, mode: 0o700 });
  const stateDir = await realpath(stateDirArg);
  const live = await liveDaemon(stateDir);
  if (live) {
    throw new CommandFailure(
      'daemon_running',
      `a daemon (pid ${live.pid}) uses ${stateDir}; stop it first`,
      EXIT.failed,
      {
        pid: live.pid,
      },
    );
  }
  const runsDir = await realpath(runsDirArg).catch(() => {
    throw new UsageError(`runs directory ${runsDirArg} does not exist`);
  });
  const store = new SqliteStore(join(stateDir, DATABASE_FILE), await loadOrCreateNodeId(stateDir));
  try {
    if (command === 'rebuild') {
      const { problems, ...counts } = await rebuildSqliteIndex(store, runsDir);
      if (values.json) {
        console.log(JSON.stringify({ ...counts, problems }));
        return EXIT.ok;
      }
      console.log(
        `found ${counts.found}, added ${counts.added}, updated ${counts.updated}, foreign ${counts.foreign}, ` +
          `unreadable ${counts.unreadable}`,
      );
      for (const problem of problems) console.error(`${problem.dir}: ${problem.message}`);
      return EXIT.ok;
    }
    const policy = {
      ...(keepRuns !== undefined ? { keepRuns } : {}),
      ...(keepDays !== undefined ? { keepDays } : {}),
      pruneDirs: values['prune-dirs'] ?? false,
    };
    const dryRun = values['dry-run'] ?? false;
    const { runs, removedDirs } = await pruneRuns(store.runs, runsDir, policy, dryRun);
    if (values.json) {
      console.log(JSON.stringify({ dryRun, runs: runs.map((run) => run.runId), removedDirs }));
    } else {
      for (const run of runs)
        console.log(`${run.runId}  ${run.status}  finished ${run.finishedAt}  ${run.runDir}`);
      const verb = dryRun ? 'would remove' : 'removed';
      console.log(
        `${verb} ${runs.length} run(s) from the index${policy.pruneDirs ? `, ${dryRun ? runs.length : removedDirs} directories` : ''}`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
