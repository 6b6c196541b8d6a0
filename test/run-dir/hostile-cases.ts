// Hostile and odd run directories from a seed: every file of a run directory, every field of its JSON files.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Random } from '../helpers/prng.js';
import { summaryOf } from '../retained/fixtures.js';

/**
 * What must come of a case: `reported` — retained.problems (and the log) name its directory; `served` —
 * retained.list with includePartial lists it under `runId`, from `dir`, defaults allowed; `tolerated` —
 * anything but a crash, a hang or a leak.
 */
export type Expectation = 'reported' | 'served' | 'tolerated';

export type ProblemReason =
  | 'missing_file'
  | 'not_regular_file'
  | 'symlink'
  | 'too_large'
  | 'too_deep'
  | 'not_json'
  | 'not_object'
  | 'invalid_field'
  | 'name_not_utf8'
  | 'name_not_accepted';

export interface HostileCase {
  /** The family, for the counts: "retention-summary.json field", "events.jsonl", "directory name", ... */
  kind: string;
  /** What is odd about it, for assertion messages. */
  name: string;
  /** Relative to the runs directory, as retained.problems names it (bytes that are not UTF-8 as \xNN). */
  dir: string;
  expect: Expectation;
  /** served: the name retained.list lists it under. */
  runId?: string;
  /** reported: the reason its problem gives, where the contract leaves no doubt. */
  reason?: ProblemReason;
  /** What a start that rebuilds the index must report besides (the retained view needs no plan.json). */
  rebuildReason?: ProblemReason;
  /** Run names and paths to ask retained.readArtifact and `runs cat` for: links, mostly. */
  probes?: { runId: string; path: string }[];
}

/** Files outside the runs directory, each holding the secret marker, for links to point at. */
export interface Outside {
  root: string;
  secretFile: string;
  summary: string;
  runJson: string;
  plan: string;
  events: string;
  manifest: string;
  logsDir: string;
  reportsDir: string;
  artifactsDir: string;
  /** A whole run directory. */
  runDir: string;
  /** The ULID the outside run.json and plan.json name; a link to them must never make a run of it. */
  runId: string;
  /** The file the outside run.json's command would create. */
  marker: string;
}

/** The files of a finished run of the daemon, to build look-alikes of our own layout from. */
export interface OwnTemplate {
  runJson: Record<string, unknown>;
  plan: Record<string, unknown>;
  events: string;
  stdout: string;
}

export interface Generated {
  cases: HostileCase[];
  /** Directories of another tool's runs that ask to be executed: nothing may run, rewrite or finish them. */
  untouchable: string[];
}

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID for `time` whose random part comes from the seeded PRNG, so a seed replays the same names. */
export function seededRunId(time: number, random: Random): string {
  let head = '';
  for (let i = 0, t = time; i < 10; i++, t = Math.floor(t / 32)) head = ULID_ALPHABET[t % 32] + head;
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ULID_ALPHABET[random.int(32)];
  return head + tail;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const MiB = 1_048_576;
const terminal = ['succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted'] as const;

type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
const jsonTypes: readonly JsonType[] = ['object', 'array', 'string', 'number', 'boolean', 'null'];

// The JSON types each field accepts (docs/protocol.md#the-run-directory); every other one is a wrong type.
const fieldTypes = (spec: string): Record<string, JsonType[]> =>
  Object.fromEntries(
    spec
      .trim()
      .split(/\s+/)
      .map((entry) => entry.split(':'))
      .map(([field, types]) => [field!, types!.split('|') as JsonType[]]),
  );
const summaryFields = fieldTypes(`
  schemaVersion:number runId:string status:string actionId:string|null serviceId:string|null labels:object
  createdAt:string startedAt:string|null finishedAt:string durationMs:number|null attempts:number
  exitCode:number|null signal:string|null error:object|null reports:array artifactManifest:string`);
const runJsonFields = fieldTypes(`
  schemaVersion:number runId:string status:string argv:array cwd:string runDir:string labels:object
  actionId:string|null serviceId:string|null idempotencyKey:string|null priority:number timeoutMs:number|null
  attempt:number maxAttempts:number nextAttemptAt:string|null queuePosition:number|null progress:object|null
  createdAt:string startedAt:string|null finishedAt:string|null exitCode:number|null signal:string|null
  error:object|null attempts:array`);
const planFields = fieldTypes(`
  schemaVersion:number runId:string argv:array command:string cwd:string envNames:array timeoutMs:number|null
  killGraceMs:number retry:object priority:number actionId:string|null serviceId:string|null labels:object`);
const manifestFields = fieldTypes('schemaVersion:number runId:string createdAt:string artifacts:array');
const wrongTypes = (types: JsonType[]) => jsonTypes.filter((type) => !types.includes(type));

/**
 * Faults of a whole JSON file, and what one in the summary's place (or run.json's, without a summary)
 * comes to: the reason it is reported with, `readable` when it is still a good file, `unclear` when
 * the contract allows either answer.
 */
const fileFaults = {
  truncated: 'not_json',
  empty: 'not_json',
  whitespace: 'not_json',
  garbage: 'not_json',
  'invalid-utf8': 'not_json',
  'raw-nul': 'not_json',
  // JSON may start with a byte order mark (RFC 8259 lets a parser refuse it, or not).
  bom: 'unclear',
  huge: 'too_large',
  'deep-arrays': 'too_deep',
  'deep-objects': 'too_deep',
  'deep-at-limit': 'readable',
  array: 'not_object',
  string: 'not_object',
  number: 'not_object',
  null: 'not_object',
  boolean: 'not_object',
  directory: 'not_regular_file',
  fifo: 'not_regular_file',
  'symlink-outside': 'symlink',
  'symlink-loop': 'symlink',
  'symlink-dangling': 'symlink',
  'symlink-inside': 'symlink',
} as const satisfies Record<string, ProblemReason | 'readable' | 'unclear'>;
type FileFault = keyof typeof fileFaults;
const faults = Object.keys(fileFaults) as FileFault[];

function nestObjects(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** The name of a directory that is not UTF-8, as the walker shows it: odd bytes as \xNN. */
const printable = (bytes: number[]) =>
  bytes
    .map((byte) =>
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');

/**
 * Writes the hostile cases into `runsDir` (while no daemon runs) and returns what each must come to.
 * `ours` are finished runs of the daemon, for copies and impostors; `template` holds their files.
 */
export function writeHostileCases(
  runsDir: string,
  home: string,
  outside: Outside,
  random: Random,
  ours: { runId: string; dir: string }[],
  template: OwnTemplate,
): Generated {
  const cases: HostileCase[] = [];
  const untouchable: string[] = [];
  let counter = 0;
  let clock = Date.parse('2025-06-01T00:00:00.000Z');
  const nextTime = () => new Date((clock += 1_000 + random.int(1_000))).toISOString();
  const word = () =>
    Array.from({ length: random.between(3, 9) }, () => 'abcdefghijklmnopqrstuvwxyz'[random.int(26)]).join('');

  /** A fresh directory: named by a ULID (runyard's kind, which the index rebuild reads too) or a slug. */
  const newDir = (slug: string, ulid = random.chance(0.5), nest = random.chance(0.15)) => {
    counter++;
    const name = ulid
      ? seededRunId(clock + counter, random)
      : `h${String(counter).padStart(3, '0')}-${slug.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    // Some one level down, where an outputDir or another producer's tree puts them.
    return nest ? `odd/${name}` : name;
  };
  const leaf = (dir: string) => dir.slice(dir.lastIndexOf('/') + 1);
  const path = (dir: string, file = '') => join(runsDir, dir, file);

  const put = (dir: string, file: string, content: string | Buffer | object) => {
    mkdirSync(dirname(path(dir, file)), { recursive: true });
    writeFileSync(
      path(dir, file),
      typeof content === 'string' || Buffer.isBuffer(content) ? content : json(content),
    );
  };
  const fifo = (dir: string, file: string) => {
    mkdirSync(dirname(path(dir, file)), { recursive: true });
    execFileSync('mkfifo', [path(dir, file)]);
  };
  const link = (target: string, dir: string, file: string) => {
    mkdirSync(dirname(path(dir, file)), { recursive: true });
    symlinkSync(target, path(dir, file));
  };
  /** A file of `size` bytes that takes no disk: its size is all a reader may look at. */
  const sparse = (dir: string, file: string, size: number) => {
    put(dir, file, '');
    truncateSync(path(dir, file), size);
  };

  const served = (kind: string, name: string, dir: string, extra: Partial<HostileCase> = {}) =>
    cases.push({ kind, name, dir, expect: 'served', runId: leaf(dir), ...extra });
  const reported = (kind: string, name: string, dir: string, reason?: ProblemReason) =>
    cases.push({ kind, name, dir, expect: 'reported', ...(reason ? { reason } : {}) });
  const tolerated = (kind: string, name: string, dir: string, extra: Partial<HostileCase> = {}) =>
    cases.push({ kind, name, dir, expect: 'tolerated', ...extra });
  /** A case whose summary (or, without one, run.json) carries `fault`. */
  const byFault = (kind: string, name: string, dir: string, fault: FileFault) => {
    const outcome = fileFaults[fault];
    if (outcome === 'readable') served(kind, name, dir);
    else if (outcome === 'unclear') tolerated(kind, name, dir);
    else reported(kind, name, dir, outcome);
  };

  const summary = (runId: string, overrides: Record<string, unknown> = {}) =>
    summaryOf(runId, nextTime(), { labels: { case: String(counter) }, ...overrides });
  const runJsonOf = (runId: string, dir: string, overrides: Record<string, unknown> = {}) => {
    const finishedAt = nextTime();
    const startedAt = new Date(Date.parse(finishedAt) - 10).toISOString();
    const attempt = { attempt: 1, pid: 4242, startedAt, finishedAt, exitCode: 0, signal: null };
    return {
      ...template.runJson,
      runId,
      runDir: path(dir),
      cwd: path(dir),
      createdAt: new Date(Date.parse(finishedAt) - 20).toISOString(),
      startedAt,
      finishedAt,
      attempts: [{ ...attempt, outcome: 'succeeded' }],
      ...overrides,
    };
  };
  const planOf = (runId: string, dir: string, overrides: Record<string, unknown> = {}) => ({
    ...template.plan,
    runId,
    cwd: path(dir),
    ...overrides,
  });
  const manifestOf = (runId: string) => ({ schemaVersion: 1, runId, createdAt: nextTime(), artifacts: [] });
  /** A finished run laid out as the daemon lays one out, but for the files in `skip`. */
  const ownLayout = (dir: string, skip: string[] = []) => {
    const files: Record<string, string | object> = {
      'retention-summary.json': summary(leaf(dir)),
      'run.json': runJsonOf(leaf(dir), dir),
      'plan.json': planOf(leaf(dir), dir),
      'events.jsonl': template.events,
      'logs/stdout.log': template.stdout,
      'logs/stderr.log': '',
    };
    for (const [file, content] of Object.entries(files)) if (!skip.includes(file)) put(dir, file, content);
  };
  /** A finished run of our layout, mostly named by a ULID so that the index holds it and run.* reads it. */
  const finishedRun = (slug: string, skip: string[], ulid = random.chance(0.8)) => {
    const dir = newDir(slug, ulid);
    ownLayout(dir, skip);
    return dir;
  };

  const valueOf = (type: JsonType): unknown =>
    ({
      object: () => random.pick([{}, { [word()]: random.int(100) }, { nested: { deeper: [1, 2] } }]),
      array: () => random.pick([[], [word()], [1, 'two', null], [{}]]),
      string: () => random.pick(['', word(), '0', 'null', ' ']),
      number: () => random.pick([0, -1, 1.5, 1e308, random.int(1_000_000)]),
      boolean: () => random.chance(0.5),
      null: () => null,
    })[type]();

  const linkTargets: Record<string, string> = {
    'retention-summary.json': outside.summary,
    'run.json': outside.runJson,
    'plan.json': outside.plan,
    'artifact-manifest.json': outside.manifest,
  };
  /** Writes `file` of `dir` broken by `fault`; `valid` is what the file would otherwise hold. */
  const writeFault = (dir: string, file: string, fault: FileFault, valid: object, limit = 16 * MiB) => {
    const text = json(valid);
    // Just inside the first string value.
    const at = text.indexOf(':') + 3;
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
    const garbage = () => Array.from({ length: random.between(1, 300) }, () => random.int(256));
    const write: Record<FileFault, () => void> = {
      truncated: () => put(dir, file, text.slice(0, random.between(1, text.length - 3))),
      empty: () => put(dir, file, ''),
      whitespace: () => put(dir, file, ' \n\t\n'),
      garbage: () => put(dir, file, bytes(garbage())),
      'invalid-utf8': () =>
        put(dir, file, bytes(text.slice(0, at), [0xff, 0xfe, 0xc0, 0xaf], text.slice(at))),
      'raw-nul': () => put(dir, file, `${text.slice(0, at)}\u0000${text.slice(at)}`),
      bom: () => put(dir, file, `\ufeff${text}`),
      huge: () => sparse(dir, file, limit + 1),
      'deep-arrays': () => put(dir, file, '['.repeat(100_000)),
      // 65 levels, one more than the limit, inside an otherwise good object; then exactly 64.
      'deep-objects': () => put(dir, file, { ...valid, extra: nestObjects(64) }),
      'deep-at-limit': () => put(dir, file, { ...valid, extra: nestObjects(63) }),
      array: () => put(dir, file, json([valid])),
      string: () => put(dir, file, json(text)),
      number: () => put(dir, file, '42\n'),
      null: () => put(dir, file, 'null\n'),
      boolean: () => put(dir, file, 'true\n'),
      directory: () => put(dir, `${file}/inner.json`, text),
      fifo: () => fifo(dir, file),
      'symlink-outside': () => link(linkTargets[file] ?? outside.secretFile, dir, file),
      'symlink-loop': () => link(file, dir, file),
      'symlink-dangling': () => link(join(outside.root, 'no-such-file.json'), dir, file),
      // Another run's good file, inside the runs directory: still a link, never followed.
      'symlink-inside': () => link(path(ours[0]!.dir, file), dir, file),
    };
    write[fault]();
  };

  // -- retention-summary.json: what a retained run stands on. ---------------------------------------------
  for (const fault of faults) {
    const dir = newDir(`summary-${fault}`);
    writeFault(dir, 'retention-summary.json', fault, summary(leaf(dir)));
    // A good run.json beside it must not stand in for a summary that is there but unreadable.
    if (random.chance(0.5)) put(dir, 'run.json', runJsonOf(leaf(dir), dir, { status: 'succeeded' }));
    byFault('retention-summary.json file', `retention-summary.json: ${fault}`, dir, fault);
  }
  for (const [field, types] of Object.entries(summaryFields)) {
    for (const type of wrongTypes(types)) {
      const dir = newDir(`summary-${field}-${type}`);
      put(dir, 'retention-summary.json', summary(leaf(dir), { [field]: valueOf(type) }));
      // A status of the wrong type has a default only in a run.json that ended.
      const fallback = field === 'status' && random.chance(0.5);
      if (fallback) put(dir, 'run.json', runJsonOf(leaf(dir), dir, { status: random.pick(terminal) }));
      const name = `retention-summary.json ${field}: ${type}${fallback ? ' (beside an ended run.json)' : ''}`;
      if (field === 'status' && !fallback)
        reported('retention-summary.json field', name, dir, 'invalid_field');
      else served('retention-summary.json field', name, dir, field === 'runId' ? { runId: dir } : {});
    }
  }
  // Values of the right JSON type that are wrong all the same.
  const oddValues: Record<string, unknown[]> = {
    status: ['exploded', 'SUCCEEDED', 'running', 'queued', 'incomplete', '', 'succeeded\u0000'],
    runId: [
      '../../etc',
      '.hidden',
      'a\\b',
      'nul\u0000byte',
      'x'.repeat(256),
      'a/b/c/d/e/f/g/h/i',
      'tab\tname',
      '',
    ],
    finishedAt: ['yesterday', '2025-06-01T02:00:05+02:00', '2025-13-45T99:99:99Z'],
    createdAt: ['0000-01-01T00:00:00Z'],
    startedAt: ['9999-12-31T23:59:59.999Z'],
    labels: [
      { 'bad key!': 'x' },
      { ok: 'v'.repeat(300) },
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])),
      { nul: 'a\u0000b' },
    ],
    durationMs: [-5],
    attempts: [-1, 2.5],
    exitCode: [1.5],
    schemaVersion: [-1, 99],
    error: [
      { reason: 1, message: 'x' },
      { reason: 'x', message: 'y', extra: true },
    ],
    reports: [
      ['reports/../../../secret.txt', '/etc/passwd', 'reports/a\u0000b', 'run.json', 7],
      Array.from({ length: 2_000 }, (_, i) => `reports/missing-${i}.md`),
    ],
    artifactManifest: ['../../../outside/manifest.json', '/etc/passwd', 'logs/stdout.log', 'a\u0000b'],
  };
  for (const [field, values] of Object.entries(oddValues)) {
    for (const value of values) {
      const dir = newDir(`summary-odd-${field}`);
      put(dir, 'retention-summary.json', summary(leaf(dir), { [field]: value }));
      const name = `retention-summary.json ${field}: ${JSON.stringify(value).slice(0, 60)}`;
      if (field === 'status') reported('retention-summary.json odd value', name, dir, 'invalid_field');
      else served('retention-summary.json odd value', name, dir, field === 'runId' ? { runId: dir } : {});
    }
  }
  {
    const dir = newDir('summary-status-only', false);
    put(dir, 'retention-summary.json', { status: 'failed' });
    served('retention-summary.json odd value', 'nothing but a status', dir, { runId: dir });
    const empty = newDir('summary-empty-object', false);
    put(empty, 'retention-summary.json', {});
    reported('retention-summary.json odd value', 'an empty object', empty, 'invalid_field');
    const twice = newDir('summary-duplicate-keys', false);
    put(
      twice,
      'retention-summary.json',
      `{"status": "exploded", "status": "failed", "runId": "${leaf(twice)}"}`,
    );
    served('retention-summary.json odd value', 'a key given twice (the last one counts)', twice);
  }

  // -- run.json: alone, an incomplete run; beside a summary, only a source of defaults. ------------------------
  for (const fault of faults) {
    const alone = newDir(`runjson-${fault}`);
    writeFault(
      alone,
      'run.json',
      fault,
      runJsonOf(leaf(alone), alone, { status: 'running', finishedAt: null }),
    );
    byFault('run.json file (no summary)', `run.json alone: ${fault}`, alone, fault);
    const beside = newDir(`runjson-beside-summary-${fault}`);
    put(beside, 'retention-summary.json', summary(leaf(beside)));
    writeFault(beside, 'run.json', fault, runJsonOf(leaf(beside), beside));
    served('run.json file (beside a summary)', `run.json beside a summary: ${fault}`, beside);
  }
  for (const [field, types] of Object.entries(runJsonFields)) {
    for (const type of wrongTypes(types)) {
      const dir = newDir(`runjson-${field}-${type}`);
      // Alone (an incomplete run), or behind a summary that lacks the field and so falls back on it.
      const behind = random.chance(0.3) && field !== 'runId' && field !== 'status';
      if (behind) put(dir, 'retention-summary.json', summary(leaf(dir), { [field]: undefined }));
      const broken = { status: 'running', finishedAt: null, [field]: valueOf(type) };
      put(dir, 'run.json', runJsonOf(leaf(dir), dir, broken));
      const name = `run.json ${field}: ${type}${behind ? ' (behind a summary without it)' : ''}`;
      served('run.json field', name, dir, field === 'runId' ? { runId: dir } : {});
    }
  }

  // -- plan.json, artifact-manifest.json, events.jsonl and logs/ of finished runs: the retained view needs none.
  for (const fault of faults) {
    const dir = finishedRun(`plan-${fault}`, ['plan.json']);
    writeFault(dir, 'plan.json', fault, planOf(leaf(dir), dir));
    served('plan.json file', `plan.json: ${fault}`, dir);
  }
  for (const [field, types] of Object.entries(planFields)) {
    for (const type of wrongTypes(types)) {
      const dir = finishedRun(`plan-${field}-${type}`, ['plan.json']);
      put(dir, 'plan.json', planOf(leaf(dir), dir, { [field]: valueOf(type) }));
      served('plan.json field', `plan.json ${field}: ${type}`, dir);
    }
  }
  for (const fault of faults) {
    const dir = finishedRun(`manifest-${fault}`, []);
    writeFault(dir, 'artifact-manifest.json', fault, manifestOf(leaf(dir)), 64 * MiB);
    served('artifact-manifest.json file', `artifact-manifest.json: ${fault}`, dir);
  }
  for (const [field, types] of Object.entries(manifestFields)) {
    for (const type of wrongTypes(types)) {
      const dir = finishedRun(`manifest-${field}-${type}`, []);
      put(dir, 'artifact-manifest.json', { ...manifestOf(leaf(dir)), [field]: valueOf(type) });
      served('artifact-manifest.json field', `artifact-manifest.json ${field}: ${type}`, dir);
    }
  }
  {
    // Entries that vouch for files a manifest has no business naming.
    const dir = finishedRun('manifest-hostile-entries', []);
    link(outside.secretFile, dir, 'artifacts/link.bin');
    put(dir, 'artifacts/real.bin', 'real artifact\n');
    const entry = (path: string) => ({ path, size: 5, sha256: '0'.repeat(64), mediaType: 'text/plain' });
    const paths = ['artifacts/../../../outside/secret.txt', 'artifacts/link.bin', '/etc/passwd'];
    const artifacts: unknown[] = [
      ...paths,
      'artifacts/a\u0000b',
      'logs/stdout.log',
      'artifacts/real.bin',
    ].map(entry);
    artifacts.push({ ...entry('artifacts/real.bin'), size: 'five' }, 'artifacts/real.bin', null, []);
    put(dir, 'artifact-manifest.json', { ...manifestOf(leaf(dir)), artifacts });
    const probes = paths.slice(0, 2).map((path) => ({ runId: leaf(dir), path }));
    served('artifact-manifest.json entries', 'entries that lead out, through links, onto other files', dir, {
      probes,
    });
  }

  // events.jsonl: read line by line by run.events, for the runs the index holds.
  const lines = template.events.split('\n').filter((line) => line !== '');
  const event = (seq: number, rest: string) => `{"seq":${seq},"time":"2025-06-01T00:00:00.000Z",${rest}}\n`;
  const withLine = (line: string) => `${lines[0]}\n${line}`;
  const eventCases: Record<string, string | Buffer | ((dir: string) => void)> = {
    'a torn last line': `${template.events}{"seq": ${lines.length + 1}, "ty`,
    'garbage in the middle': [lines[0], '%%% not json %%%', ...lines.slice(1), ''].join('\n'),
    'an empty file': '',
    'invalid UTF-8 inside a note': Buffer.concat([
      Buffer.from(
        `${template.events}${event(lines.length + 1, '"type":"note","message":"XX"').split('XX')[0]}`,
      ),
      Buffer.from([0xff, 0xfe, 0x80]),
      Buffer.from('"}\n'),
    ]),
    'a raw NUL byte in a line': withLine('{"seq":2,\u0000"type":"note"}\n'),
    'a line longer than 1 MiB': withLine(event(2, `"type":"note","message":"${'x'.repeat(1_100_000)}"`)),
    'a line nested 100,000 deep': withLine(`${'['.repeat(100_000)}\n`),
    'seq out of order': [...lines].reverse().join('\n') + '\n',
    'seq repeated': [lines[0], ...lines, ''].join('\n'),
    'seq starting at 0': event(0, '"type":"note","message":"zero"'),
    'an unknown event type': withLine(event(2, '"type":"explode","message":"x"')),
    'lines that are arrays and strings': '[1,2]\n"text"\n42\nnull\n',
    'an output event with an absurd length': event(
      1,
      '"type":"output","stream":"stdout","offset":0,"length":1e15',
    ),
    'an output event far past its log': event(
      1,
      '"type":"output","stream":"stdout","offset":1e12,"length":16',
    ),
    'an output event of stream stdin': event(1, '"type":"output","stream":"stdin","offset":0,"length":4'),
    '100 MiB of NUL bytes without a newline (sparse)': (dir) => sparse(dir, 'events.jsonl', 100 * MiB),
    'a directory': (dir) => mkdirSync(path(dir, 'events.jsonl')),
    'a FIFO': (dir) => fifo(dir, 'events.jsonl'),
    'a symlink to an outside log holding the secret': (dir) => link(outside.events, dir, 'events.jsonl'),
    'a symlink loop': (dir) => link('events.jsonl', dir, 'events.jsonl'),
  };
  for (const [name, content] of Object.entries(eventCases)) {
    const dir = finishedRun(`events-${name}`, ['events.jsonl'], true);
    if (typeof content === 'function') content(dir);
    else put(dir, 'events.jsonl', content);
    served('events.jsonl', `events.jsonl: ${name}`, dir);
  }

  // logs/: read by run.logs, and for the text of output events; never through a link.
  const logCases: Record<string, (dir: string) => void> = {
    'stdout.log is a FIFO': (dir) => fifo(dir, 'logs/stdout.log'),
    'stdout.log is a directory': (dir) => mkdirSync(path(dir, 'logs/stdout.log'), { recursive: true }),
    'stdout.log links to the secret': (dir) => link(outside.secretFile, dir, 'logs/stdout.log'),
    'stdout.log is a symlink loop': (dir) => link('stdout.log', dir, 'logs/stdout.log'),
    'stdout.log is 100 MiB of NUL (sparse)': (dir) => sparse(dir, 'logs/stdout.log', 100 * MiB),
    'stdout.log is not UTF-8': (dir) =>
      put(dir, 'logs/stdout.log', Buffer.from([0xff, 0xfe, 0, 0xc0, 0xaf, 10])),
    'logs/ links to an outside directory holding the secret': (dir) => link(outside.logsDir, dir, 'logs'),
    'logs/ is a file': (dir) => put(dir, 'logs', 'not a directory\n'),
    'stderr.log links to the secret': (dir) => {
      put(dir, 'logs/stdout.log', template.stdout);
      link(outside.secretFile, dir, 'logs/stderr.log');
    },
  };
  for (const [name, make] of Object.entries(logCases)) {
    const dir = finishedRun(`logs-${name}`, ['logs/stdout.log', 'logs/stderr.log'], true);
    make(dir);
    served('logs', `logs: ${name}`, dir);
  }

  // reports/ and artifacts/: what retained.reports, artifactManifest and readArtifact serve.
  const servedFileCases: [string, string, (dir: string) => void][] = [
    [
      'a report links to the secret',
      'reports/secret.md',
      (dir) => link(outside.secretFile, dir, 'reports/secret.md'),
    ],
    [
      'reports/ links out of the runs directory',
      'reports/secret.md',
      (dir) => link(outside.reportsDir, dir, 'reports'),
    ],
    [
      'reports/ links to a sibling run',
      'reports/report.md',
      (dir) => link(path(ours[0]!.dir, 'reports'), dir, 'reports'),
    ],
    ['a report is a FIFO', 'reports/pipe.md', (dir) => fifo(dir, 'reports/pipe.md')],
    [
      'a report is a directory',
      'reports/dir.md',
      (dir) => mkdirSync(path(dir, 'reports/dir.md'), { recursive: true }),
    ],
    ['reports/ is a file', 'reports', (dir) => put(dir, 'reports', 'not a directory')],
    ['a report links in a loop', 'reports/loop.md', (dir) => link('loop.md', dir, 'reports/loop.md')],
    ['a report links to run.json', 'reports/run.json', (dir) => link('../run.json', dir, 'reports/run.json')],
    [
      'an artifact links to the secret',
      'artifacts/secret.bin',
      (dir) => link(outside.secretFile, dir, 'artifacts/secret.bin'),
    ],
    [
      'artifacts/ links out of the runs directory',
      'artifacts/secret.bin',
      (dir) => link(outside.artifactsDir, dir, 'artifacts'),
    ],
    ['an artifact is a FIFO', 'artifacts/pipe.bin', (dir) => fifo(dir, 'artifacts/pipe.bin')],
  ];
  for (const [name, probe, make] of servedFileCases) {
    const dir = finishedRun(`served-${name}`, ['retention-summary.json'], random.chance(0.5));
    // The summary lists the odd file, or lists nothing, so that the directory's files are listed instead.
    const isRecorded = random.chance(0.5);
    const listing = isRecorded ? { reports: [probe] } : { reports: undefined, artifactManifest: undefined };
    put(dir, 'retention-summary.json', summary(leaf(dir), listing));
    make(dir);
    // Beside the odd one, a fine report, unless reports/ itself is what the case replaced.
    if (lstatSync(path(dir, 'reports'), { throwIfNoEntry: false })?.isDirectory() ?? true)
      put(dir, 'reports/fine.md', 'a fine report\n');
    served('reports and artifacts', `${name}${isRecorded ? ' (recorded in the summary)' : ''}`, dir, {
      probes: [{ runId: leaf(dir), path: probe }],
    });
  }

  // -- Directory names, and directories that are not directories. ------------------------------------------
  for (const [bytes, under] of [
    [[0x66, 0xff, 0xfe], ''],
    [[0x61, 0x80, 0x62], ''],
    [[0xc0, 0xaf, 0x2e, 0x2e], ''],
    [[0x65, 0xed, 0xa0, 0x80], 'odd'],
  ] as [number[], string][]) {
    const dir = Buffer.concat([Buffer.from(`${join(runsDir, under)}/`), Buffer.from(bytes)]);
    mkdirSync(dir, { recursive: true });
    const file = Buffer.concat([dir, Buffer.from('/retention-summary.json')]);
    // Its summary even names an accepted run: the directory still cannot be named.
    writeFileSync(file, json(summary(`not-utf8-${counter++}`)));
    const name = `a name that is not UTF-8 (${printable(bytes)})`;
    reported('directory name', name, `${under ? `${under}/` : ''}${printable(bytes)}`, 'name_not_utf8');
  }
  /** A directory named `dir` with a good summary that names its run `recorded` (or names none). */
  const named = (dir: string, name: string, recorded: boolean, expect: Expectation) => {
    const runId = recorded ? `named-${counter++}` : undefined;
    put(dir, 'retention-summary.json', summary(runId ?? '', { runId }));
    if (expect === 'served') served('directory name', name, dir, { runId: runId ?? dir });
    else if (expect === 'reported') reported('directory name', name, dir, 'name_not_accepted');
    else tolerated('directory name', name, dir);
  };
  named('n'.repeat(255), 'a name of 255 bytes', false, 'served');
  named('€'.repeat(85), 'a name of 255 bytes in 85 three-byte characters', false, 'served');
  named('back\\slash', 'a backslash in the name, the summary naming the run', true, 'served');
  named('back\\slash-anonymous', 'a backslash in the name, the summary naming no run', false, 'reported');
  named('ctl\u0001char', 'a control character in the name, the summary naming the run', true, 'served');
  named('ctl\u001bescape', 'an escape character in the name, the summary naming no run', false, 'reported');
  named('new\nline', 'a newline in the name, the summary naming no run', false, 'reported');
  named('%2e%2e', 'a percent-encoded name', false, 'served');
  named('spaces and ünïcödé 🚀', 'spaces, accents and an emoji', false, 'served');
  named('.hidden-run', 'a dot directory (a temporary name)', false, 'tolerated');
  named('deep/a/b/c/d/e/f/g', 'eight levels down, as deep as a run name goes', false, 'served');
  named('deeper/a/b/c/d/e/f/g/h', 'nine levels down, deeper than any layout we write', false, 'tolerated');
  put('', 'plain-file', 'a file where a run directory would be\n');
  tolerated('directory name', 'a regular file in the runs directory', 'plain-file');
  link(outside.runDir, '', 'linked-out');
  tolerated('directory name', 'a symlink to a run directory outside', 'linked-out', {
    probes: [
      { runId: 'linked-out', path: 'reports/secret.md' },
      { runId: 'outside-run', path: 'reports/secret.md' },
    ],
  });
  link(path(ours[0]!.dir), '', 'linked-in');
  tolerated('directory name', 'a symlink to one of our run directories', 'linked-in');
  link('linked-loop', '', 'linked-loop');
  tolerated('directory name', 'a symlink loop in place of a directory', 'linked-loop');
  link(join(outside.root, 'gone'), '', 'linked-dangling');
  tolerated('directory name', 'a dangling symlink in place of a directory', 'linked-dangling');
  mkdirSync(path('empty-dir'));
  tolerated('directory name', 'an empty directory', 'empty-dir');
  put('reports-only', 'reports/r.md', 'no run file at all\n');
  tolerated('directory name', 'reports but no run file', 'reports-only');
  // 100,000 empty files in a directory without a run file: the walk lists it once and moves on.
  mkdirSync(path('crowd'));
  for (let i = 0; i < 100_000; i++) writeFileSync(path('crowd', `f${i}`), '');
  tolerated('directory name', 'a directory of 100,000 empty files', 'crowd');

  // -- Copies, impostors and shared keys: two directories for one run, or two runs for one key. --------------
  {
    const [first, last] = [ours[0]!, ours.at(-1)!];
    cpSync(path(first.dir), path(`copies/${first.runId}`), { recursive: true });
    tolerated('copies and impostors', 'a copy of one of our runs', `copies/${first.runId}`);
    cpSync(path(last.dir), path(`${last.runId}-copy`), { recursive: true });
    tolerated('copies and impostors', 'another copy of one of our runs', `${last.runId}-copy`);
    const impostor = `impostor-${counter++}`;
    put(impostor, 'retention-summary.json', summary(first.runId, { status: 'failed', exitCode: 99 }));
    put(impostor, 'reports/report.md', 'not what the run wrote\n');
    tolerated('copies and impostors', "another producer's summary claiming our run's id", impostor);
    const partial = `impostor-partial-${counter++}`;
    put(partial, 'run.json', runJsonOf(first.runId, partial, { status: 'running', finishedAt: null }));
    tolerated('copies and impostors', "another producer's run.json claiming our run's id", partial);
    // Not nested: the directory named for the run is the one that stands for it.
    const original = newDir('foreign-copy-source', false, false);
    put(original, 'retention-summary.json', summary(leaf(original)));
    served('copies and impostors', 'the original of a copied foreign run', original);
    put(`copies/${original}`, 'retention-summary.json', summary(original));
    tolerated('copies and impostors', 'a copy of a foreign run', `copies/${original}`);
    const key = `shared-key-${random.int(1_000_000)}`;
    for (const which of ['first', 'second']) {
      const dir = finishedRun(`shared-key-${which}`, ['run.json'], true);
      put(dir, 'run.json', runJsonOf(leaf(dir), dir, { idempotencyKey: key }));
      served(
        'copies and impostors',
        `the ${which} of two runs of our layout sharing an idempotency key`,
        dir,
      );
    }
  }

  // -- Another tool's run.json asking for a command: never executed, rewritten or finished. ------------------
  type PlanKind = 'none' | 'garbage' | 'half' | 'no-cwd' | 'other-id' | 'fifo' | 'symlink' | 'not-ulid';
  const rebuildReasons: Record<PlanKind, ProblemReason | undefined> = {
    none: 'missing_file',
    garbage: 'not_json',
    half: 'invalid_field',
    'no-cwd': 'invalid_field',
    'other-id': 'invalid_field',
    fifo: 'not_regular_file',
    symlink: 'symlink',
    // Not a run id of ours: another producer's, looked at no further.
    'not-ulid': undefined,
  };
  const asksToRun = (plan: PlanKind, status = 'queued') => {
    const dir = newDir(`${status}-${plan}`, plan !== 'not-ulid');
    const runId = leaf(dir);
    const argv = ['touch', join(home, `EXECUTED-${counter}`)];
    const retrying = status === 'retrying' ? { nextAttemptAt: '2025-06-01T00:00:00.000Z', attempt: 1 } : {};
    put(dir, 'run.json', { runId, status, argv, cwd: home, createdAt: nextTime(), ...retrying });
    const complete = { schemaVersion: 1, runId, argv, command: '/usr/bin/touch', cwd: home };
    const plans: Record<PlanKind, () => void> = {
      none: () => {},
      garbage: () => put(dir, 'plan.json', Buffer.from([0x7b, 0x00, 0xff, 0x22, 0x61])),
      half: () => put(dir, 'plan.json', { runId, argv }),
      'no-cwd': () => put(dir, 'plan.json', { ...complete, cwd: undefined }),
      'other-id': () => put(dir, 'plan.json', { ...complete, runId: seededRunId(clock, random) }),
      fifo: () => fifo(dir, 'plan.json'),
      symlink: () => link(outside.plan, dir, 'plan.json'),
      'not-ulid': () => put(dir, 'plan.json', complete),
    };
    plans[plan]();
    untouchable.push(dir);
    const rebuildReason = rebuildReasons[plan];
    served('foreign run asking to execute', `${status} run.json, plan.json: ${plan}`, dir, {
      ...(rebuildReason ? { rebuildReason } : {}),
    });
  };
  for (const plan of Object.keys(rebuildReasons) as PlanKind[]) asksToRun(plan);
  asksToRun('none', 'running');
  asksToRun('none', 'retrying');
  {
    // run.json itself a link to a queued run outside, beside a complete plan.json for that run.
    const dir = outside.runId;
    link(outside.runJson, dir, 'run.json');
    const argv = ['touch', outside.marker];
    put(dir, 'plan.json', { schemaVersion: 1, runId: dir, argv, command: '/usr/bin/touch', cwd: home });
    untouchable.push(dir);
    reported('foreign run asking to execute', 'run.json links to a queued run outside', dir, 'symlink');
  }
  return { cases, untouchable };
}

/** Writes the secret marker into files outside the runs directory, shaped like the files of a run. */
export function writeOutside(home: string, secret: string, random: Random): Outside {
  const root = join(home, 'outside');
  const runId = seededRunId(Date.parse('2025-05-01T00:00:00.000Z'), random);
  const marker = join(home, 'EXECUTED-outside');
  const argv = ['touch', marker];
  const leak = { labels: { leak: secret } };
  const created = '2025-05-01T00:00:00.000Z';
  const events = [
    { seq: 1, time: created, type: 'note', message: secret },
    { seq: 2, time: created, type: 'output', stream: 'stdout', offset: 0, length: 20 },
  ];
  const files: Record<string, string | object> = {
    'secret.txt': `${secret}\n`,
    'summary.json': summaryOf('outside-run', created, { ...leak, reports: ['reports/secret.md'] }),
    'run.json': { schemaVersion: 1, runId, status: 'queued', argv, cwd: home, createdAt: created, ...leak },
    'plan.json': { schemaVersion: 1, runId, argv, command: '/usr/bin/touch', cwd: home, ...leak },
    'events.jsonl': events.map((line) => `${JSON.stringify(line)}\n`).join(''),
    'manifest.json': {
      schemaVersion: 1,
      runId: 'outside-run',
      createdAt: created,
      artifacts: [{ path: `artifacts/${secret}`, size: 1, sha256: '0'.repeat(64), mediaType: 'text/plain' }],
    },
    'logs/stdout.log': `${secret}\n`,
    'logs/stderr.log': `${secret}\n`,
    'reports/secret.md': `${secret}\n`,
    'artifacts/secret.bin': `${secret}\n`,
    'run/retention-summary.json': summaryOf('outside-run', created, leak),
    'run/reports/secret.md': `${secret}\n`,
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), typeof content === 'string' ? content : json(content));
  }
  const at = (file: string) => join(root, file);
  return {
    root,
    secretFile: at('secret.txt'),
    summary: at('summary.json'),
    runJson: at('run.json'),
    plan: at('plan.json'),
    events: at('events.jsonl'),
    manifest: at('manifest.json'),
    logsDir: at('logs'),
    reportsDir: at('reports'),
    artifactsDir: at('artifacts'),
    runDir: at('run'),
    runId,
    marker,
  };
}

/** A good run of another producer, and what it must be served as. */
export interface ForeignRun {
  runId: string;
  dir: string;
  status: string;
  /** Report path → its text. */
  reports: Record<string, string>;
}

/** Another producer's good runs: time-stamped names, fields missing, timestamps with offsets, some reports. */
export function writeForeignRuns(runsDir: string, random: Random, count: number): ForeignRun[] {
  const runs: ForeignRun[] = [];
  for (let n = 1; n <= count; n++) {
    const stamp = `20250601T0000${String(n).padStart(2, '0')}Z-bulk${n}`;
    const dir = n % 5 === 0 ? `imports/${stamp}` : stamp;
    const status = random.pick(['succeeded', 'failed', 'cancelled'] as const);
    const reports: Record<string, string> = {};
    for (let r = 0; r < random.int(4); r++) {
      const file = `reports/${random.pick(['summary', 'junit', 'notes'])}-${r}.${random.pick(['md', 'txt', 'json'])}`;
      reports[file] = `report ${r} of bulk ${n}: ${random.int(1e9)}\n`;
    }
    const finished = `2025-06-01T${String(2 + (n % 20)).padStart(2, '0')}:00:${String(n % 60).padStart(2, '0')}`;
    // Local time with an offset, as another producer may write it, or UTC without milliseconds.
    const summary: Record<string, unknown> = {
      status,
      finishedAt: random.chance(0.5) ? `${finished}+02:00` : `${finished}Z`,
      labels: { producer: 'bulk', n: String(n) },
    };
    if (random.chance(0.5)) summary.runId = stamp;
    if (random.chance(0.5)) summary.startedAt = `${finished.slice(0, -2)}00+02:00`;
    if (random.chance(0.3)) summary.schemaVersion = 1;
    if (random.chance(0.5)) summary.reports = Object.keys(reports);
    if (random.chance(0.3)) summary.exitCode = status === 'succeeded' ? 0 : 1;
    mkdirSync(join(runsDir, dir, 'reports'), { recursive: true });
    writeFileSync(join(runsDir, dir, 'retention-summary.json'), json(summary));
    for (const [file, text] of Object.entries(reports)) writeFileSync(join(runsDir, dir, file), text);
    runs.push({ runId: (summary.runId as string | undefined) ?? dir, dir, status, reports });
  }
  return runs;
}
