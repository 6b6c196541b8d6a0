// A runs directory full of hostile and odd directories: the daemon starts on it, serves every good run, names
// every unreadable one, runs nothing it did not start, and never serves a byte from outside the runs directory.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  RpcError,
  type RetainedArtifactManifest,
  type RetainedListResult,
  type RetainedProblemsResult,
  type RetainedReportsResult,
  type RetainedRun,
  type RunDirProblem,
  type RunEventsResult,
  type RunLogsResult,
  type RunRecord,
  type RunStartParams,
  type RunyardClient,
} from 'runyard/client';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { makeRandom, seedFromEnv } from '../helpers/prng.js';
import { writeForeignRuns, writeHostileCases, writeOutside, type HostileCase } from './hostile-cases.js';

const seed = seedFromEnv(20_250_601);
const random = makeRandom(seed);
const replay = `(seed ${seed}: RUNYARD_HARDENING_SEED=${seed} replays it)`;
// Not from the seed: a marker no earlier run could have left anywhere.
const SECRET = `SECRET-${randomBytes(8).toString('hex')}`;
const CALL = { timeoutMs: 15_000 };

/** Resolves like `promise`, or rejects once `ms` have passed: a hang is a failure with a name, not a timeout. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms ${replay}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// -- Good runs of our own, run by a real daemon, and everything it answered about them. --------------------------
interface OurRun {
  name: string;
  runId: string;
  /** Relative to the runs directory. */
  dir: string;
  status: RunRecord;
  retained: RetainedRun;
  reports: RetainedReportsResult;
  manifest: RetainedArtifactManifest;
  /** Report and artifact path → its bytes, base64. */
  files: Record<string, string>;
  events: RunEventsResult;
  stdout: RunLogsResult;
  stderr: RunLogsResult;
}

const ourSpecs: [string, RunStartParams][] = [
  [
    'prints and writes a report',
    { argv: ['sh', '-c', 'echo hello; printf "# report\\n" > "$RUNYARD_REPORTS_DIR/report.md"'] },
  ],
  [
    'writes reports and artifacts',
    {
      argv: [
        'sh',
        '-c',
        'mkdir -p "$RUNYARD_ARTIFACTS_DIR/out" "$RUNYARD_REPORTS_DIR/sub" && printf data > "$RUNYARD_ARTIFACTS_DIR/out/data.bin"' +
          ' && printf "{}" > "$RUNYARD_ARTIFACTS_DIR/result.json" && printf ok > "$RUNYARD_REPORTS_DIR/sub/summary.txt"',
      ],
      labels: { suite: 'hostile', kind: 'artifacts' },
    },
  ],
  [
    'runs in outputDir nested/one',
    { argv: ['sh', '-c', 'printf nested > "$RUNYARD_REPORTS_DIR/where.txt"'], outputDir: 'nested/one' },
  ],
  ['fails', { argv: ['sh', '-c', 'echo oops >&2; exit 3'] }],
  [
    'fails twice, retried',
    {
      argv: ['sh', '-c', 'echo "attempt $RUNYARD_ATTEMPT"; exit 1'],
      retry: { maxAttempts: 2, initialDelayMs: 0 },
    },
  ],
  ['has an idempotency key', { argv: ['true'], idempotencyKey: `ours-${seed}`, labels: { keyed: 'yes' } }],
  ['reports progress', { argv: ['sh', '-c', 'echo \'{"progress":0.5,"message":"half"}\' >&3; echo done'] }],
  ['times out', { argv: ['sleep', '5'], timeoutMs: 300, killGraceMs: 100 }],
];

/** The whole file as base64, read chunk by chunk; `collect` sees every answer. */
async function readWhole(
  client: RunyardClient,
  runId: string,
  path: string,
  collect: (answer: unknown) => void = () => {},
): Promise<string> {
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const chunk = await client.retained.readArtifact({ runId, path, offset }, CALL);
    collect(chunk);
    parts.push(Buffer.from(chunk.data, 'base64'));
    if (chunk.eof) return Buffer.concat(parts).toString('base64');
    offset = chunk.nextOffset;
  }
}

async function describeOurRun(client: RunyardClient, name: string, runId: string, runsDir: string) {
  const status = await client.run.status({ runId }, CALL);
  const listed = await client.retained.list({ includePartial: true, limit: 1_000 }, CALL);
  const reports = await client.retained.reports({ runId }, CALL);
  const manifest = await client.retained.artifactManifest({ runId }, CALL);
  const files: Record<string, string> = {};
  for (const { path } of [...reports.reports, ...manifest.artifacts])
    files[path] = await readWhole(client, runId, path);
  return {
    name,
    runId,
    dir: status.runDir.slice(runsDir.length + 1),
    status,
    retained: listed.runs.find((run) => run.runId === runId)!,
    reports,
    manifest,
    files,
    events: await client.run.events({ runId, limit: 10_000 }, CALL),
    stdout: await client.run.logs({ runId, stream: 'stdout', limit: 1_048_576 }, CALL),
    stderr: await client.run.logs({ runId, stream: 'stderr', limit: 1_048_576 }, CALL),
  };
}

const first = await startDaemon(t);
const { home, runsDir, stateDir } = first;
const ours: OurRun[] = [];
{
  const client = await first.client();
  const started = [];
  for (const [name, params] of ourSpecs) started.push({ name, run: await client.run.start(params, CALL) });
  const sleeper = await client.run.start({ argv: ['sleep', '30'], labels: { cancelled: 'yes' } }, CALL);
  await client.run.cancel({ runId: sleeper.runId }, CALL);
  started.push({ name: 'cancelled', run: sleeper });
  for (const { run } of started) await client.run.wait({ runId: run.runId, timeoutMs: 20_000 }, CALL);
  for (const { name, run } of started) ours.push(await describeOurRun(client, name, run.runId, runsDir));
  await first.stop();
}
const ownTemplate = ours[0]!;
const fromOwnRun = (file: string) => readFileSync(join(runsDir, ownTemplate.dir, file), 'utf8');

// -- Written while no daemon runs: the outside secret, another producer's good runs, and the hostile cases. ------
const outside = writeOutside(home, SECRET, random);
const foreign = writeForeignRuns(runsDir, random, 12);
const { cases, untouchable } = writeHostileCases(
  runsDir,
  home,
  outside,
  random,
  ours.map(({ runId, dir }) => ({ runId, dir })),
  {
    runJson: JSON.parse(fromOwnRun('run.json')) as Record<string, unknown>,
    plan: JSON.parse(fromOwnRun('plan.json')) as Record<string, unknown>,
    events: fromOwnRun('events.jsonl'),
    stdout: fromOwnRun('logs/stdout.log'),
  },
);

/** Every entry below `dir` with its kind, size, mtime and (for regular files) a hash; never reads a FIFO. */
function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const visit = (path: string, name: string) => {
    const info = lstatSync(path);
    const hash = info.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    entries.push(`${name} ${info.mode} ${info.size} ${info.mtimeMs} ${hash}`);
    if (info.isDirectory())
      for (const child of readdirSync(path).sort()) visit(join(path, child), `${name}/${child}`);
  };
  visit(dir, '.');
  return entries;
}
const untouched = new Map(untouchable.map((dir) => [dir, snapshot(join(runsDir, dir))]));

const counts = new Map<string, number>();
for (const entry of cases) {
  const key = `${entry.kind}: ${entry.expect}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
t.comment(
  `${cases.length} generated cases, ${foreign.length} foreign good runs, ${ours.length} runs of ours ${replay}\n` +
    [...counts].map(([key, count]) => `  ${key}: ${count}`).join('\n'),
);
t.ok(cases.length >= 200, `at least 200 hostile or odd directories were generated ${replay}`);

const markers = () => readdirSync(home).filter((name) => name.startsWith('EXECUTED-'));
const problemDirsInLog = (log: string) =>
  new Set(
    log
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as { message?: string; dir?: string }];
        } catch {
          return [];
        }
      })
      .filter((entry) => entry.message === 'run directory cannot be fully read')
      .map((entry) => entry.dir),
  );
const caseOf = new Map(cases.map((entry) => [entry.runId ?? entry.dir, entry]));
const describe = (entry: HostileCase) => `${entry.name} [${JSON.stringify(entry.dir)}] ${replay}`;

/** Starts a daemon on the hostile runs directory (on a fresh index, or the existing one) and checks what it promises. */
async function checkStart(t: Test, options: { freshIndex: boolean }) {
  if (options.freshIndex)
    for (const name of readdirSync(stateDir))
      if (name.startsWith('runyard.db')) rmSync(join(stateDir, name), { force: true });
  const daemon = await within(30_000, 'starting the daemon', startDaemon(t, { home }));
  t.pass(`the daemon starts on the hostile runs directory ${replay}`);
  const client = await daemon.client();

  // Every answer the daemon gives, errors included, with the bytes of every chunk decoded: searched for the secret.
  const answers: unknown[] = [];
  const internalErrors: string[] = [];
  const record = (answer: unknown) => {
    answers.push(answer);
    const data = (answer as { data?: unknown }).data;
    if (typeof data === 'string') answers.push(Buffer.from(data, 'base64').toString('latin1'));
  };
  async function ask<T>(what: string, call: Promise<T>): Promise<T | RpcError> {
    try {
      const answer = await call;
      record(answer);
      return answer;
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      answers.push({ code: error.code, message: error.message, data: error.data });
      if (error.code === -32603) internalErrors.push(`${what}: ${error.message}`);
      return error;
    }
  }
  const isError = (value: unknown): value is RpcError => value instanceof RpcError;
  const got = <T>(answer: T): T => {
    record(answer);
    return answer;
  };

  const listed: RetainedRun[] = [];
  const pages: RetainedListResult[] = [];
  for (let cursor: string | null | undefined; ;) {
    const page = await ask(
      'retained.list',
      client.retained.list({ includePartial: true, limit: 1_000, ...(cursor ? { cursor } : {}) }, CALL),
    );
    if (isError(page)) throw page;
    pages.push(page);
    listed.push(...page.runs);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  const byId = new Map(listed.map((run) => [run.runId, run]));
  const problems: RunDirProblem[] = [];
  const problemPages: RetainedProblemsResult[] = [];
  for (let cursor: string | null | undefined; ;) {
    const page = await ask(
      'retained.problems',
      client.retained.problems({ limit: 1_000, ...(cursor ? { cursor } : {}) }, CALL),
    );
    if (isError(page)) throw page;
    problemPages.push(page);
    problems.push(...page.problems);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }

  await t.test('every run of ours answers exactly as it did before the restart', async (t) => {
    for (const run of ours) {
      t.same(
        got(await client.run.status({ runId: run.runId }, CALL)),
        run.status,
        `run.status of "${run.name}"`,
      );
      t.same(byId.get(run.runId), run.retained, `the retained.list entry of "${run.name}"`);
      t.same(
        got(await client.retained.reports({ runId: run.runId }, CALL)),
        run.reports,
        `reports of "${run.name}"`,
      );
      t.same(
        got(await client.retained.artifactManifest({ runId: run.runId }, CALL)),
        run.manifest,
        `artifact manifest of "${run.name}"`,
      );
      for (const [path, bytes] of Object.entries(run.files))
        t.equal(
          await readWhole(client, run.runId, path, record),
          bytes,
          `${path} of "${run.name}" reads byte for byte`,
        );
      t.same(
        got(await client.run.events({ runId: run.runId, limit: 10_000 }, CALL)),
        run.events,
        `events of "${run.name}"`,
      );
      t.same(
        got(await client.run.logs({ runId: run.runId, stream: 'stdout', limit: 1_048_576 }, CALL)),
        run.stdout,
        `stdout of "${run.name}"`,
      );
      t.same(
        got(await client.run.logs({ runId: run.runId, stream: 'stderr', limit: 1_048_576 }, CALL)),
        run.stderr,
        `stderr of "${run.name}"`,
      );
    }
  });

  await t.test(
    'every good run of another producer is listed, and its reports read byte for byte',
    async (t) => {
      for (const run of foreign) {
        const entry = byId.get(run.runId);
        t.match(
          entry,
          { runId: run.runId, dir: run.dir, status: run.status },
          `${run.dir} is listed ${replay}`,
        );
        for (const name of new Set([run.runId, run.dir])) {
          const reports = await ask('retained.reports', client.retained.reports({ runId: name }, CALL));
          t.same(
            isError(reports) ? reports.message : reports.reports.map((report) => report.path),
            Object.keys(run.reports).sort(),
            `the reports of ${run.dir}, named ${JSON.stringify(name)}`,
          );
          for (const [path, text] of Object.entries(run.reports))
            t.equal(
              Buffer.from(await readWhole(client, name, path, record), 'base64').toString(),
              text,
              `${path} of ${run.dir} reads byte for byte`,
            );
        }
      }
    },
  );

  await t.test('every served case is listed from its own directory', async (t) => {
    for (const entry of cases.filter((entry) => entry.expect === 'served'))
      t.equal(
        byId.get(entry.runId!)?.dir,
        entry.dir,
        `${JSON.stringify(entry.runId)} is listed: ${describe(entry)}`,
      );
    const reportedDirs = new Set(problems.map((problem) => problem.dir));
    const alsoReported = cases.filter((entry) => entry.expect === 'served' && reportedDirs.has(entry.dir));
    t.comment(
      `served cases that retained.problems also names (allowed): ${alsoReported.length}\n` +
        alsoReported
          .map((entry) => {
            const found = problems
              .filter((problem) => problem.dir === entry.dir)
              .map((problem) => problem.message);
            return `  ${entry.name}: ${found.join('; ')}`;
          })
          .join('\n'),
    );
  });

  await t.test(
    'every unreadable directory is named in retained.problems, with its reason, and in the log',
    async (t) => {
      const logged = problemDirsInLog(daemon.log());
      for (const entry of cases.filter((entry) => entry.expect === 'reported')) {
        const found = problems.filter((problem) => problem.dir === entry.dir);
        t.ok(found.length > 0, `retained.problems names ${describe(entry)}`);
        if (entry.reason && found.length > 0)
          t.ok(
            found.some((problem) => problem.reason === entry.reason),
            `its reason is ${entry.reason} (got ${found.map((problem) => problem.reason).join(', ')}): ${describe(entry)}`,
          );
        t.ok(logged.has(entry.dir), `the log names ${describe(entry)}`);
      }
      const listedDirs = new Set(listed.map((run) => run.dir));
      for (const entry of cases.filter((entry) => entry.expect === 'reported'))
        t.notOk(listedDirs.has(entry.dir), `retained.list does not list ${describe(entry)}`);
      t.equal(
        problemPages.at(-1)!.total,
        problems.length,
        'the pages of retained.problems add up to its total',
      );
    },
  );

  /** What retained.reports and retained.artifactManifest answered for each listed run. */
  const files = new Map<string, { reports: unknown; manifest: unknown }>();
  await t.test(
    'every listed run answers for its reports and artifacts, whatever its directory holds',
    async (t) => {
      for (const run of listed) {
        const reports = await ask('retained.reports', client.retained.reports({ runId: run.runId }, CALL));
        const manifest = await ask(
          'retained.artifactManifest',
          client.retained.artifactManifest({ runId: run.runId }, CALL),
        );
        files.set(run.runId, { reports, manifest });
        const paths = [
          ...(isError(reports) ? [] : reports.reports.map((report) => report.path)),
          ...(isError(manifest) ? [] : manifest.artifacts.map((artifact) => artifact.path)),
        ];
        for (const path of paths)
          await ask('retained.readArtifact', client.retained.readArtifact({ runId: run.runId, path }, CALL));
      }
      for (const entry of cases)
        for (const probe of entry.probes ?? [])
          await ask('retained.readArtifact', client.retained.readArtifact(probe, CALL));
      t.same(internalErrors, [], `no retained.* call failed with an internal error ${replay}`);
    },
  );

  await t.test('run.events and run.logs answer for every indexed run', async (t) => {
    const before = internalErrors.length;
    const refused: string[] = [];
    let indexed = 0;
    for (let cursor: string | null | undefined; ;) {
      const page = await ask(
        'run.list',
        client.run.list({ limit: 1_000, ...(cursor ? { cursor } : {}) }, CALL),
      );
      if (isError(page)) throw page;
      for (const run of page.runs) {
        indexed++;
        const calls = [
          ask('run.events', client.run.events({ runId: run.runId, limit: 10_000 }, CALL)),
          ask('run.logs', client.run.logs({ runId: run.runId, stream: 'stdout', limit: 1_048_576 }, CALL)),
          ask('run.logs', client.run.logs({ runId: run.runId, stream: 'stderr', limit: 1_048_576 }, CALL)),
        ];
        for (const [index, answer] of (await Promise.all(calls)).entries()) {
          // A log whose first good line is not seq 1 holds no earlier events: a documented refusal.
          if (!isError(answer) || answer.reason === 'seq_not_available') continue;
          const entry = caseOf.get(run.runId);
          refused.push(
            `${['run.events', 'run.logs stdout', 'run.logs stderr'][index]} of ${run.runId}` +
              ` (${entry ? entry.name : 'not a generated case'}): ${answer.message}`,
          );
        }
      }
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    t.ok(indexed > ours.length, `run.list holds our runs and the hostile ones of our layout (${indexed})`);
    t.same(refused, [], `every run.events and run.logs call answers ${replay}`);
    t.same(internalErrors.slice(before), [], 'none failed with an internal error');
  });

  await t.test('no answer holds a byte of the outside secret', async (t) => {
    const text = JSON.stringify(answers);
    t.ok(answers.length > cases.length, `${answers.length} answers were collected`);
    t.notOk(text.includes(SECRET), `no answer holds ${SECRET} ${replay}`);
    if (text.includes(SECRET)) {
      const leaks = answers.filter((answer) => JSON.stringify(answer).includes(SECRET));
      t.comment(
        `leaking answers:\n${leaks.map((answer) => JSON.stringify(answer).slice(0, 500)).join('\n')}`,
      );
    }
  });

  await t.test('no command of another tool ran, and its directories are left as they were', async (t) => {
    t.same(markers(), [], `no EXECUTED-* marker exists ${replay}`);
    for (const [dir, before] of untouched)
      t.same(snapshot(join(runsDir, dir)), before, `${dir} is byte for byte as it was written`);
  });

  return { daemon, pages, problems, problemPages, files };
}

t.test('a daemon that rebuilds its index from a hostile runs directory serves every good run', async (t) => {
  const { daemon, problems } = await checkStart(t, { freshIndex: true });
  for (const entry of cases.filter((entry) => entry.rebuildReason))
    t.ok(
      problems.some((problem) => problem.dir === entry.dir && problem.reason === entry.rebuildReason),
      `the rebuild's finding (${entry.rebuildReason}) is in retained.problems: ${describe(entry)}`,
    );
  t.match(
    daemon.log(),
    /rebuilt the index from the run directories/,
    'the index was rebuilt from the run directories',
  );
  t.equal(await within(15_000, 'stopping the daemon', daemon.stop()), 0, 'the daemon stops cleanly');
});

t.test('a daemon restarted on its index answers as the offline commands do', async (t) => {
  const { daemon, pages, problemPages, files } = await checkStart(t, { freshIndex: false });
  t.notMatch(daemon.log(), /rebuilt the index/, 'the existing index was used');

  await t.test('runs list and runs problems print exactly what the daemon answers', async (t) => {
    for (const [index, page] of pages.entries()) {
      const cursor = index === 0 ? [] : ['--cursor', pages[index - 1]!.nextCursor!];
      const printed = await runCli([
        'runs',
        'list',
        '--runs-dir',
        runsDir,
        '--json',
        '--include-partial',
        '--limit',
        '1000',
        ...cursor,
      ]);
      t.equal(printed.code, 0, `runs list exits 0 ${printed.stderr}`);
      t.same(
        JSON.parse(printed.stdout),
        page,
        `runs list --json page ${index + 1} is retained.list's answer ${replay}`,
      );
      t.notOk(printed.stdout.includes(SECRET) || printed.stderr.includes(SECRET), 'and holds no secret');
    }
    for (const [index, page] of problemPages.entries()) {
      const cursor = index === 0 ? [] : ['--cursor', problemPages[index - 1]!.nextCursor!];
      const printed = await runCli([
        'runs',
        'problems',
        '--runs-dir',
        runsDir,
        '--json',
        '--limit',
        '1000',
        ...cursor,
      ]);
      t.equal(printed.code, 0, `runs problems exits 0 ${printed.stderr}`);
      t.notOk(printed.stdout.includes(SECRET) || printed.stderr.includes(SECRET), 'and holds no secret');
      t.same(
        JSON.parse(printed.stdout),
        page,
        `runs problems --json page ${index + 1} is retained.problems' answer ${replay}`,
      );
    }
  });

  await t.test('runs reports and runs artifacts print exactly what the daemon answers', async (t) => {
    // A seeded sample, and the run of ours with artifacts: every CLI start costs a process (and maybe a scan).
    const answered = [...files].filter(([, answer]) => !(answer.reports instanceof RpcError));
    const sample = [ours[1]!.runId, random.pick(answered)[0]];
    for (const runId of sample) {
      const { reports, manifest } = files.get(runId)!;
      for (const [command, answer] of [
        ['reports', reports],
        ['artifacts', manifest],
      ] as const) {
        const printed = await runCli(['runs', command, runId, '--runs-dir', runsDir, '--json']);
        if (answer instanceof RpcError)
          t.equal(printed.code, 1, `runs ${command} ${runId} refuses as the daemon did`);
        else
          t.same(
            JSON.parse(printed.stdout),
            answer,
            `runs ${command} ${JSON.stringify(runId)} --json ${replay}`,
          );
      }
    }
  });

  await t.test('runs cat never prints a byte from outside the runs directory', async (t) => {
    const probes = cases.flatMap((entry) => entry.probes ?? []);
    // A seeded sample: every CLI start costs a process and a scan.
    const sample = probes.filter(() => random.chance(0.5)).slice(0, 3);
    for (const probe of sample) {
      const printed = await runCli(['runs', 'cat', probe.runId, probe.path, '--runs-dir', runsDir]);
      t.notOk(
        printed.stdout.includes(SECRET) || printed.stderr.includes(SECRET),
        `runs cat ${probe.runId} ${probe.path} prints no secret ${replay}`,
      );
    }
  });
  t.equal(await within(15_000, 'stopping the daemon', daemon.stop()), 0, 'the daemon stops cleanly');
});

t.test(
  'index rebuild over the hostile runs directory exits 0, and a second one changes nothing',
  async (t) => {
    const rebuild = () =>
      within(
        30_000,
        'index rebuild',
        runCli(['index', 'rebuild', '--runs-dir', runsDir, '--state-dir', stateDir, '--json']),
      );
    const once = await rebuild();
    t.equal(once.code, 0, `the first rebuild exits 0 ${once.stderr}`);
    const found = (JSON.parse(once.stdout) as { problems: RunDirProblem[] }).problems;
    for (const entry of cases.filter((entry) => entry.rebuildReason))
      t.ok(
        found.some((problem) => problem.dir === entry.dir && problem.reason === entry.rebuildReason),
        `the rebuild names ${entry.rebuildReason} for ${describe(entry)}`,
      );
    const duplicates = found.filter((problem) => problem.reason === 'duplicate_run');
    t.comment(
      'directories holding a run that another directory stands for:\n' +
        duplicates.map((problem) => `  ${problem.dir}: ${problem.message}`).join('\n'),
    );
    const twice = await rebuild();
    t.equal(twice.code, 0, `the second rebuild exits 0 ${twice.stderr}`);
    const counts = JSON.parse(twice.stdout) as { found: number; added: number; updated: number };
    t.match(counts, { added: 0, updated: 0 }, `the second rebuild adds and updates nothing ${replay}`);
    t.ok(counts.found > ours.length, `it found the run directories (${counts.found})`);
    t.notOk(once.stdout.includes(SECRET) || twice.stdout.includes(SECRET), 'neither prints the secret');
    t.same(markers(), [], 'no EXECUTED-* marker exists');
    for (const [dir, before] of untouched)
      t.same(snapshot(join(runsDir, dir)), before, `${dir} is byte for byte as it was written`);
  },
);
