import t from 'tap';
import { formatDuration, statusView } from '../../../src/cli/commands/service-format.js';

t.test('uptimes read as seconds, then minutes, hours and days with two-digit parts', async (t) => {
  t.equal(formatDuration(0), '0s');
  t.equal(formatDuration(999), '0s');
  t.equal(formatDuration(59_999), '59s');
  t.equal(formatDuration(62_000), '1m02s');
  t.equal(formatDuration(3_723_000), '1h02m03s');
  t.equal(formatDuration(90_000_000), '1d01h00m');
});

const limit = { maxRestarts: 5, windowMs: 60_000 };
/** dev-server after its run failed with `message`, `restarts` restarts in, maybe waiting for the next. */
const failedDevServer = (message: string, restarts: number, nextRestartAt: string | null) => ({
  action: 'dev-server',
  runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  status: 'failed' as const,
  uptimeMs: null,
  pid: null,
  restarts,
  startLimit: limit,
  nextRestartAt,
  lastFailure: {
    runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
    status: 'failed' as const,
    at: '2026-11-23T10:00:04.000Z',
    error: { reason: 'exit_code' as const, message },
  },
});

t.test(
  'the status view says in words why each action is not running, with the pid of those that are',
  async (t) => {
    const view = statusView(
      {
        name: 'web',
        state: 'degraded',
        actions: [
          failedDevServer('exited with code 1', 3, '2026-11-23T10:00:08.000Z'),
          {
            action: 'typecheck',
            runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRF',
            status: 'running',
            uptimeMs: 62_000,
            pid: 4242,
            restarts: 0,
            startLimit: limit,
            nextRestartAt: null,
            lastFailure: null,
          },
        ],
      },
      Date.parse('2026-11-23T10:00:04.500Z'),
    );
    t.equal(
      view,
      'web: degraded\n' +
        'ACTION      RUN ID                      STATUS   PID   UPTIME  RESTARTS  WHY\n' +
        'dev-server  01JD6W4ZK3Q8V5N2M7XKCB9TRE  failed   -     -       3         exited with code 1, restarting in 4 s\n' +
        'typecheck   01JD6W4ZK3Q8V5N2M7XKCB9TRF  running  4242  1m02s   0         -\n',
    );
  },
);

t.test('an action past its start limit says so, with the limit in force', async (t) => {
  const view = statusView({
    name: 'web',
    state: 'failed',
    actions: [failedDevServer('killed by SIGKILL', 5, null)],
  });
  t.match(view, /dev-server .* killed by SIGKILL; start limit: 5 restarts in 60 s\n$/);
});
