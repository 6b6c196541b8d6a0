// runyard status against a real daemon with a service and a failed run.
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { version } from '../../src/schema/version.js';

t.test('status shows the daemon, the running count, each service and the latest failure', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({ name: 'idle', argv: ['sleep', '30'] });
  await client.action.set({ name: 'oops', argv: ['sh', '-c', 'exit 3'] });
  await client.service.set({ name: 'shop', actions: [{ action: 'idle' }, { action: 'oops' }] });
  await client.service.start({ name: 'shop' });
  const failed = await eventually(async () => (await client.run.list({ status: ['failed'] })).runs[0]);

  const connection = ['--url', daemon.url, '--token', daemon.token];
  const json = await runCli(['status', '--json', ...connection]);
  t.equal(json.code, 0, json.stderr);
  const overview = JSON.parse(json.stdout);
  t.match(overview, {
    daemon: { version, pid: daemon.child.pid, url: daemon.url, uptimeMs: Number },
    runs: { queued: 0, running: 1, retrying: 0 },
    services: [{ name: 'shop', state: String }],
    recentFailures: [
      {
        runId: failed.runId,
        status: 'failed',
        actionId: 'oops',
        serviceId: 'shop',
        error: { reason: 'exit_code' },
      },
    ],
  });
  t.equal(overview.recentFailures.length, 1);

  const text = await runCli(['status', ...connection]);
  t.equal(text.code, 0, text.stderr);
  t.match(
    text.stdout,
    new RegExp(`^runyard ${version} \\(pid ${daemon.child.pid}\\) up \\d+s at ${daemon.url}$`, 'm'),
  );
  t.match(text.stdout, /^runs: 0 queued, 1 running, 0 retrying$/m);
  t.match(text.stdout, new RegExp(`^shop\\s+${overview.services[0].state}$`, 'm'));
  t.match(
    text.stdout,
    new RegExp(
      `^${failed.runId}\\s+failed\\s+oops\\s+shop\\s+\\S+\\s+exited with code 3 \\(exit_code\\)$`,
      'm',
    ),
  );
});

t.test('status of an idle daemon says there are no services and no failures', async (t) => {
  const daemon = await startDaemon(t);
  const result = await runCli(['status', '--url', daemon.url, '--token', daemon.token]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^services: none$/m);
  t.match(result.stdout, /^recent failures: none$/m);
  t.notMatch(result.stdout, /^nodes:/m, 'a daemon alone lists no nodes');
});
