// One daemon per state directory: the live one is named by pid and kernel start time, never by a pid alone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';

/** A live process that is not a runyard daemon, killed with the test. */
async function unrelatedProcess(t: Test): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await once(child, 'spawn');
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return child.pid!;
}

const rebuild = (home: string) =>
  runCli(['index', 'rebuild', '--runs-dir', join(home, 'runs'), '--state-dir', join(home, 'state')]);

t.test('daemon.json names the daemon by its pid and its kernel start time', async (t) => {
  const daemon = await startDaemon(t);
  const info = JSON.parse(await readFile(join(daemon.stateDir, 'daemon.json'), 'utf8'));
  t.equal(info.pid, daemon.child.pid);
  const stat = await readFile(`/proc/${daemon.child.pid}/stat`, 'utf8');
  t.equal(info.startTime, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
});

t.test(
  'a killed daemon’s daemon.json whose pid now belongs to another process blocks neither serve nor index rebuild',
  async (t) => {
    const killed = await startDaemon(t);
    await killed.stop('SIGKILL');
    const path = join(killed.stateDir, 'daemon.json');
    // As if the kernel had handed the dead daemon's pid to an unrelated process.
    const stale = { ...JSON.parse(await readFile(path, 'utf8')), pid: await unrelatedProcess(t) };
    await writeFile(path, JSON.stringify(stale));

    const rebuilt = await rebuild(killed.home);
    t.equal(rebuilt.code, 0, rebuilt.stderr);
    const daemon = await startDaemon(t, { home: killed.home });
    const client = await daemon.client();
    t.equal((await client.daemon.info()).pid, daemon.child.pid);
  },
);

t.test('a daemon.json without startTime (an older daemon) is judged by its pid alone', async (t) => {
  const stopped = await startDaemon(t);
  await stopped.stop();
  const path = join(stopped.stateDir, 'daemon.json');
  await writeFile(path, JSON.stringify({ url: stopped.url, pid: await unrelatedProcess(t) }));

  const refused = await rebuild(stopped.home);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /stop it first/);
  const second = await startDaemon(t, { home: stopped.home }).catch((error: Error) => error);
  t.match(second, { message: /another runyard daemon/ });
});
