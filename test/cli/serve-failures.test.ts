// `runyard serve` that cannot start: exit 1, a message that says what to do, a stable reason under --json,
// and nothing of the user's changed.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

const serve = (home: string, ...args: string[]) => serveWith(home, {}, ...args);

const serveWith = (home: string, env: NodeJS.ProcessEnv, ...args: string[]) =>
  runCli(
    [
      'serve',
      '--json',
      '--runs-dir',
      join(home, 'runs'),
      '--state-dir',
      join(home, 'state'),
      ...(args.length > 0 ? args : ['--listen', '127.0.0.1:0']),
    ],
    { env },
  );

const reported = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1)!).error;

t.test('a token file that holds no token stops the start and is left as it was', async (t) => {
  for (const [what, content] of [
    ['empty', ''],
    ['too short', 'secret\n'],
    ['two lines', `${'a'.repeat(40)}\n${'b'.repeat(40)}\n`],
    ['a space inside', `${'a'.repeat(20)} ${'b'.repeat(20)}\n`],
  ] as const) {
    const home = await tempDir(t, 'serve');
    await mkdir(join(home, 'state'), { mode: 0o700 });
    const path = join(home, 'state/token');
    await writeFile(path, content);
    await chmod(path, 0o600);
    const result = await serve(home);
    t.equal(result.code, 1, `${what}: exit 1`);
    t.equal(result.stdout, '', `${what}: never said it listens`);
    const error = reported(result.stderr);
    t.equal(error.reason, 'token_file_invalid', what);
    t.match(error.message, /holds no token .*delete it to have a new token created/, what);
    t.ok(error.message.includes(path), `${what}: the message names the file`);
    t.notOk(error.message.includes('secret'), `${what}: the file's text is not echoed`);
    t.equal(await readFile(path, 'utf8'), content, `${what}: the file is unchanged`);
  }
});

t.test('a token of our own in HTTP token characters is kept and opens connections', async (t) => {
  const home = await tempDir(t, 'serve');
  await mkdir(join(home, 'state'), { mode: 0o700 });
  const token = "Our-cluster_token.2026~shared!#$%&'*+^`|";
  await writeFile(join(home, 'state/token'), `${token}\n`);
  const daemon = await startDaemon(t, { home });
  t.equal(daemon.token, token);
  t.equal((await stat(join(daemon.stateDir, 'token'))).mode & 0o777, 0o600);
  const client = await daemon.client();
  t.equal((await client.daemon.info()).pid, daemon.child.pid);
});

t.test('a state directory a live daemon uses: state_dir_busy, and the first daemon serves on', async (t) => {
  const first = await startDaemon(t);
  const result = await serve(first.home);
  t.equal(result.code, 1);
  const error = reported(result.stderr);
  t.equal(error.reason, 'state_dir_busy');
  t.match(error.message, new RegExp(`another runyard daemon \\(pid ${first.child.pid}`));
  const client = await first.client();
  t.equal((await client.daemon.info()).pid, first.child.pid);
});

t.test('an address another process listens on: address_in_use, with the flag that moves it', async (t) => {
  const first = await startDaemon(t);
  const port = new URL(first.url).port;
  const home = await tempDir(t, 'serve');
  const result = await serve(home, '--listen', `127.0.0.1:${port}`);
  t.equal(result.code, 1);
  const error = reported(result.stderr);
  t.equal(error.reason, 'address_in_use');
  t.match(error.message, `127.0.0.1:${port} is in use by another process`);
  t.match(error.message, /--listen HOST:PORT/);
  const plain = await runCli([
    'serve',
    '--runs-dir',
    join(home, 'runs'),
    '--state-dir',
    join(home, 'state'),
    '--listen',
    `127.0.0.1:${port}`,
  ]);
  t.match(plain.stderr, /^runyard: 127\.0\.0\.1:\d+ is in use by another process/m);
});

t.test('a host that is no address of this machine: address_not_available', async (t) => {
  const home = await tempDir(t, 'serve');
  // TEST-NET-1 (RFC 5737) is never assigned to a local interface; --allow-remote lets serve try it.
  const result = await serve(home, '--listen', '192.0.2.1:0', '--allow-remote');
  t.equal(result.code, 1);
  t.equal(reported(result.stderr).reason, 'address_not_available');
});

t.test('a node-id file that holds no node id stops the start and is left as it was', async (t) => {
  for (const [what, content] of [
    ['empty', ''],
    ['two lines', 'node-a\nnode-b\n'],
    ['a space inside', 'node a\n'],
    ['a slash', '../node\n'],
  ] as const) {
    const home = await tempDir(t, 'serve');
    await mkdir(join(home, 'state'), { mode: 0o700 });
    const path = join(home, 'state/node-id');
    await writeFile(path, content);
    const result = await serve(home);
    t.equal(result.code, 1, `${what}: exit 1`);
    t.equal(result.stdout, '', `${what}: never said it listens`);
    const error = reported(result.stderr);
    t.equal(error.reason, 'node_id_invalid', what);
    t.match(error.message, /holds no node id .*delete it to have a new one created/, what);
    t.ok(error.message.includes(path), `${what}: the message names the file`);
    t.equal(await readFile(path, 'utf8'), content, `${what}: the file is unchanged`);
  }
});

t.test('a node id of our own is kept, and a restarted daemon is the same node', async (t) => {
  const home = await tempDir(t, 'serve');
  await mkdir(join(home, 'state'), { mode: 0o700 });
  await writeFile(join(home, 'state/node-id'), 'build-01.eu_west\n');
  const first = await startDaemon(t, { home });
  t.equal((await (await first.client()).daemon.info()).nodeId, 'build-01.eu_west');
  await first.stop('SIGKILL');
  const second = await startDaemon(t, { home });
  t.equal((await (await second.client()).daemon.info()).nodeId, 'build-01.eu_west');

  const fresh = await startDaemon(t);
  const created = (await readFile(join(fresh.stateDir, 'node-id'), 'utf8')).trim();
  t.equal((await (await fresh.client()).daemon.info()).nodeId, created, 'one made on first start');
  t.equal((await stat(join(fresh.stateDir, 'node-id'))).mode & 0o777, 0o600);
});

t.test('an advertise URL that is not ws:// or wss://: advertise_url_invalid, from each source', async (t) => {
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['http', ['--advertise-url', 'http://node-a:7370/rpc'], {}, /must start with ws:\/\/ or wss:\/\//],
    ['no URL', ['--advertise-url', 'node-a:7370'], {}, /must start with ws:\/\/ or wss:\/\//],
    ['not a URL at all', ['--advertise-url', 'ws://[oops/rpc'], {}, /it is not a URL/],
    ['credentials', ['--advertise-url', 'ws://me:secret@node-a:7370/rpc'], {}, /user or password/],
    ['the variable', [], { RUNYARD_ADVERTISE_URL: 'tcp://node-a:7370' }, /RUNYARD_ADVERTISE_URL "tcp:/],
  ];
  for (const [what, args, env, message] of cases) {
    const home = await tempDir(t, 'serve');
    const result = await serveWith(home, env, '--listen', '127.0.0.1:0', ...args);
    t.equal(result.code, 1, `${what}: exit 1`);
    t.equal(result.stdout, '', `${what}: never said it listens`);
    const error = reported(result.stderr);
    t.equal(error.reason, 'advertise_url_invalid', what);
    t.match(error.message, message, what);
  }
});
