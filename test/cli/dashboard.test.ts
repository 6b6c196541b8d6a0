// runyard dashboard: prints a one-time login URL, opens it when an opener exists, never fails without one.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { httpBase, httpRequest } from '../helpers/http.js';
import { eventually } from '../helpers/poll.js';

t.test('runyard dashboard', async (t) => {
  const daemon = await startDaemon(t);
  const connection = ['--url', daemon.url, '--token', daemon.token];
  const loginUrl = new RegExp(`${httpBase(daemon.url)}/login/[A-Za-z0-9_-]{43}`);

  t.test('opens the login URL with xdg-open and prints it', async (t) => {
    const bin = await tempDir(t, 'opener');
    const opened = join(bin, 'opened');
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(join(bin, 'xdg-open'), 0o755);
    const result = await runCli(['dashboard', ...connection], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    t.equal(result.code, 0, result.stderr);
    const [url] = loginUrl.exec(result.stdout) ?? [];
    t.ok(url, result.stdout);
    t.match(result.stdout, /^Opened this URL/);
    t.equal(await eventually(() => readFile(opened, 'utf8').catch(() => undefined)), url);
    t.equal((await httpRequest(url!)).status, 303, 'the printed URL logs in');
  });

  t.test('without an opener it prints the URL and exits 0', async (t) => {
    const empty = await tempDir(t, 'no-opener');
    const result = await runCli(['dashboard', '--json', ...connection], { env: { PATH: empty } });
    t.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout);
    t.match(answer, { url: loginUrl, expiresAt: String, opened: false });
  });

  t.test('--no-open only prints it', async (t) => {
    const bin = await tempDir(t, 'opener-unused');
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\ntouch '${join(bin, 'ran')}'\n`);
    await chmod(join(bin, 'xdg-open'), 0o755);
    const result = await runCli(['dashboard', '--no-open', ...connection], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /^Open this URL in a browser/);
    t.match(result.stdout, loginUrl);
    await t.rejects(readFile(join(bin, 'ran')), 'the opener never ran');
  });

  t.test('no daemon is exit 3, as for every daemon-facing command', async (t) => {
    const result = await runCli(['dashboard', '--url', 'ws://127.0.0.1:1/rpc', '--token', 'x']);
    t.equal(result.code, 3);
  });
});
