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

t.test(
  'the status view lists each action with its run, uptime, restarts and the reason of its last failure',
  async (t) => {
    const view = statusView({
      name: 'web',
      state: 'degraded',
      actions: [
        {
          action: 'dev-server',
          runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
          status: 'failed',
          uptimeMs: null,
          restarts: 3,
          nextRestartAt: '2026-11-23T10:00:05.000Z',
          lastFailure: {
            runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
            status: 'failed',
            at: '2026-11-23T10:00:04.000Z',
            error: { reason: 'exit_code', message: 'exited with code 1' },
          },
        },
        {
          action: 'typecheck',
          runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRF',
          status: 'running',
          uptimeMs: 62_000,
          restarts: 0,
          nextRestartAt: null,
          lastFailure: null,
        },
      ],
    });
    t.equal(
      view,
      'web: degraded\n' +
        'ACTION      RUN ID                      STATUS   UPTIME  RESTARTS  LAST FAILURE\n' +
        'dev-server  01JD6W4ZK3Q8V5N2M7XKCB9TRE  failed   -       3         exit_code\n' +
        'typecheck   01JD6W4ZK3Q8V5N2M7XKCB9TRF  running  1m02s   0         -\n',
    );
  },
);
