import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

// The CLI must find the daemon only through what each test passes, never through the caller's shell.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RUNYARD_')));

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];

/** A CLI process left running while the test watches what it writes. */
interface Follower {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the text written so far once it matches; rejects if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

function spawnFollower(t: Test, command: string, args: string[]): Follower {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      text[stream] += chunk;
      for (const listener of listeners) listener();
    });
  }
  // 'close' rather than 'exit': everything the process wrote has been read by then.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor: (stream, pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text[stream])) return;
          listeners.delete(check);
          resolve(text[stream]);
        };
        listeners.add(check);
        check();
        exited.then(() => {
          if (listeners.delete(check)) {
            reject(new Error(`exited before ${stream} matched ${pattern}:\n${text[stream]}`));
          }
        }, reject);
      }),
  };
}

/** `runyard run SUBCOMMAND ...` against the test daemon, left running. */
const follow = (t: Test, subcommand: string, ...args: string[]) =>
  spawnFollower(t, process.execPath, [CLI, 'run', subcommand, ...connection, ...args]);

/** The same, run to its end. */
async function runyard(subcommand: string, ...args: string[]) {
  const follower = follow(t, subcommand, ...args);
  const code = await follower.exited;
  return { code, stdout: follower.stdout(), stderr: follower.stderr() };
}

/** The run id that start --follow prints first on stderr. */
async function startedRunId(follower: Follower): Promise<string> {
  const stderr = await follower.waitFor('stderr', /^\w+\n/);
  return stderr.slice(0, stderr.indexOf('\n'));
}

t.test('start --follow writes the run stdout to stdout and its stderr to stderr, and exits 0', async (t) => {
  const result = await runyard('start', '--follow', '--', 'sh', '-c', 'echo out; echo err >&2');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'out\n');
  const [runId] = result.stderr.split('\n');
  t.equal(result.stderr, `${runId}\nerr\nsucceeded (exit 0)\n`);
  t.equal((await client.run.status({ runId: runId! })).status, 'succeeded');
});

t.test('start --follow passes the run output on byte for byte, invalid UTF-8 included', async (t) => {
  // spawnSync: the follower above decodes what it reads, which would hide a replaced byte.
  const result = spawnSync(
    process.execPath,
    [CLI, 'run', 'start', ...connection, '--follow', '--', 'sh', '-c', "printf '\\377\\376caf\\303\\251\\n'"],
    { env },
  );
  t.equal(result.status, 0, result.stderr.toString());
  t.same([...result.stdout], [0xff, 0xfe, ...Buffer.from('café\n')]);
});

t.test('start --follow exits 1 when the run fails', async (t) => {
  const result = await runyard('start', '--follow', '--', 'false');
  t.equal(result.code, 1);
  t.match(result.stderr, /\nfailed \(exit 1\)\n$/);
});

t.test('start --follow exits 124 when the run times out', async (t) => {
  const result = await runyard('start', '--follow', '--timeout-ms', '100', '--', 'sleep', '30');
  t.equal(result.code, 124, result.stderr);
  t.match(result.stderr, /\ntimed_out \(signal SIGTERM: timed out after 100 ms\)\n$/);
});

t.test('start --follow exits 130 when another client cancels the run', async (t) => {
  const follower = follow(t, 'start', '--follow', '--', 'sleep', '30');
  const runId = await startedRunId(follower);
  // Its process exists once the attempt's start event is out (before that, a cancel signals nothing).
  await eventually(async () =>
    (await client.run.events({ runId })).events.some((event) => event.type === 'attempt') ? true : undefined,
  );
  await client.run.cancel({ runId });
  t.equal(await follower.exited, 130, follower.stderr());
  t.match(follower.stderr(), /\ncancelled \(signal SIGTERM: .*\)\n$/);
});

t.test('Ctrl-C stops following with exit 130 and leaves the run running', async (t) => {
  const follower = follow(t, 'start', '--follow', '--', 'sh', '-c', 'echo ready; sleep 30');
  const runId = await startedRunId(follower);
  t.teardown(() => client.run.cancel({ runId }));
  await follower.waitFor('stdout', /^ready\n$/);
  follower.child.kill('SIGINT');
  t.equal(await follower.exited, 130, follower.stderr());
  t.equal(follower.stderr(), `${runId}\nstill running: runyard run cancel ${runId}\n`);
  t.equal((await client.run.status({ runId })).status, 'running');
});

t.test(
  'a follower whose stdout reader goes away stops with exit 141 and leaves the run running',
  async (t) => {
    const proceed = join(daemon.home, 'closed-pipe-proceed');
    const { runId } = await client.run.start({
      argv: [
        'sh',
        '-c',
        'echo first; while [ ! -e "$1" ]; do sleep 0.02; done; echo second; sleep 30',
        'sh',
        proceed,
      ],
    });
    t.teardown(() => client.run.cancel({ runId }));
    const follower = follow(t, 'logs', runId, '--follow');
    await follower.waitFor('stdout', /^first\n$/);
    follower.child.stdout!.destroy();
    await writeFile(proceed, '');
    t.equal(await follower.exited, 141, follower.stderr());
    t.equal(follower.stderr(), `still running: runyard run cancel ${runId}\n`);
    t.equal((await client.run.status({ runId })).status, 'running');
  },
);

t.test(
  'start --follow prints each progress report as a line on stderr when it is not a terminal',
  async (t) => {
    const reports = [
      '{"progress":0.5,"message":"half"}',
      '{"progress":0.254}',
      '{"message":"no number"}',
      '{"progress":1,"message":null}',
    ];
    const script = reports.map((report) => `echo '${report}' >&3`).join('; ');
    const result = await runyard('start', '--follow', '--', 'sh', '-c', script);
    t.equal(result.code, 0, result.stderr);
    const [runId] = result.stderr.split('\n');
    t.equal(
      result.stderr,
      `${runId}\nprogress 50% half\nprogress 25%\nprogress no number\nprogress 100%\nsucceeded (exit 0)\n`,
    );
  },
);

t.test(
  'logs --follow shows what the run wrote so far, then what it writes next, and exits with its outcome',
  async (t) => {
    const proceed = join(daemon.home, 'logs-follow-proceed');
    const { runId } = await client.run.start({
      argv: [
        'sh',
        '-c',
        `echo first; while [ ! -e "$1" ]; do sleep 0.02; done; echo second; exit 3`,
        'sh',
        proceed,
      ],
    });
    const follower = follow(t, 'logs', runId, '--follow');
    await follower.waitFor('stdout', /^first\n$/);
    await writeFile(proceed, '');
    t.equal(await follower.exited, 1, follower.stderr());
    t.equal(follower.stdout(), 'first\nsecond\n');
    t.equal(follower.stderr(), 'failed (exit 3)\n');
  },
);

t.test('logs --follow says when and which attempt comes next for each retry', async (t) => {
  const { runId } = await client.run.start({
    argv: ['sh', '-c', 'echo "attempt $RUNYARD_ATTEMPT"; exit 1'],
    retry: { maxAttempts: 3, initialDelayMs: 10, jitter: 'none' },
  });
  const result = await runyard('logs', runId, '--follow');
  t.equal(result.code, 1, result.stderr);
  t.equal(result.stdout, 'attempt 1\nattempt 2\nattempt 3\n');
  const at = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';
  t.match(
    result.stderr,
    new RegExp(
      `^retrying \\(attempt 2 of 3 at ${at}\\)\nretrying \\(attempt 3 of 3 at ${at}\\)\nfailed \\(exit 1\\)\n$`,
    ),
  );
});

t.test('logs --stderr --follow writes only the stderr log, to stdout as logs --stderr does', async (t) => {
  const { runId } = await client.run.start({ argv: ['sh', '-c', 'echo out; echo err >&2'] });
  const result = await runyard('logs', runId, '--stderr', '--follow');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'err\n');
  t.equal(result.stderr, 'succeeded (exit 0)\n');
});

t.test('logs --follow of a finished run prints its whole log and exits with its outcome', async (t) => {
  const { runId } = await client.run.start({ argv: ['sh', '-c', 'echo done; exit 1'] });
  await client.run.wait({ runId, timeoutMs: 10_000 });
  const result = await runyard('logs', runId, '--follow');
  t.equal(result.code, 1);
  t.equal(result.stdout, 'done\n');
  t.equal(result.stderr, 'failed (exit 1)\n');
});

t.test(
  'start --json --follow prints every event as a JSON line, seq 1, 2, 3 ... up to the end event',
  async (t) => {
    const result = await runyard('start', '--json', '--follow', '--', 'sh', '-c', 'echo out; echo err >&2');
    t.equal(result.code, 0, result.stderr);
    const [runId] = result.stderr.split('\n');
    t.equal(result.stderr, `${runId}\n`);
    const lines = result.stdout.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { seq: number; type: string; status?: string });
    t.same(
      lines,
      events.map((event) => JSON.stringify(event)),
    );
    t.same(
      events.map((event) => event.seq),
      events.map((_, index) => index + 1),
    );
    t.match(events.at(-1), { type: 'end', status: 'succeeded' });
    t.same((await client.run.events({ runId: runId!, fromSeq: 1 })).events, events);
  },
);

t.test('logs --follow with --offset or --limit is a usage error', async (t) => {
  const runId = '01JD6W4ZK3Q8V5N2M7XKCB9TRE';
  for (const flag of ['--offset', '--limit']) {
    const result = await runyard('logs', runId, '--follow', flag, '3');
    t.equal(result.code, 2, flag);
    t.match(result.stderr, /cannot be combined with --offset or --limit/);
  }
});

t.test('the help of start and logs documents the exit codes of a followed run', async (t) => {
  for (const subcommand of ['start', 'logs']) {
    const result = await runyard(subcommand, '--help');
    t.equal(result.code, 0);
    t.match(result.stdout, /0 succeeded, 1 failed or interrupted, 124 timed_out,\s+130 cancelled/);
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

t.test(
  'on a terminal, progress is one line redrawn in place, erased before output and at the end',
  { skip: hasScript ? false : 'needs script(1) for a pseudo-terminal' },
  async (t) => {
    const proceed = join(daemon.home, 'terminal-proceed');
    const runScript = `echo '{"progress":0.5,"message":"half"}' >&3; while [ ! -e "$1" ]; do sleep 0.02; done; echo done`;
    const command = [process.execPath, CLI, 'run', 'start', ...connection, '--follow', '--']
      .concat(['sh', '-c', runScript, 'sh', proceed])
      .map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`)
      .join(' ');
    // script(1) runs the command on a pseudo-terminal and copies what it shows to our pipe.
    const terminal = spawnFollower(t, 'script', ['-qfec', command, '/dev/null']);
    await terminal.waitFor('stdout', /\[ 50%\] half/);
    await writeFile(proceed, '');
    t.equal(await terminal.exited, 0, terminal.stdout());
    const shown = terminal.stdout();
    const erase = '\r\x1b[2K';
    t.match(shown, `[ 50%] half${erase}done\r\n[ 50%] half${erase}succeeded (exit 0)\r\n`);
    t.ok(shown.endsWith(`${erase}succeeded (exit 0)\r\n`));
    t.notMatch(shown, /progress 50%/);
  },
);
