// The SDK where the platform has a WebSocket (browsers, webviews, Node 22+): the browser entry reaches no
// Node module, the token travels as a subprotocol, and a refusal says why and is never retried.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const clientDir = new URL('../../dist/src/client/', import.meta.url);

/** Every module the compiled `entry` reaches, by static or dynamic import, and every specifier it names. */
async function importGraph(entry: string): Promise<{ files: string[]; specifiers: string[] }> {
  const files = new Set<string>();
  const specifiers = new Set<string>();
  const visit = async (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = await readFile(new URL(file, clientDir), 'utf8');
    for (const [, specifier] of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'([^']+)'/g)) {
      specifiers.add(specifier!);
      if (specifier!.startsWith('./')) await visit(specifier!.slice(2));
    }
  };
  await visit(entry);
  return { files: [...files].sort(), specifiers: [...specifiers] };
}

t.test('the browser entry reaches only its sibling modules, never a Node module or a package', async (t) => {
  const { files, specifiers } = await importGraph('browser.js');
  t.same(
    specifiers.filter((specifier) => !specifier.startsWith('./')),
    [],
  );
  for (const nodeOnly of ['index.js', 'locate-daemon.js', 'node-socket.js', 'state-dir.js'])
    t.notOk(files.includes(nodeOnly), `${nodeOnly} is not reached`);
  t.ok(files.includes('session.js') && files.includes('generated.js'), 'the graph was followed');
});

t.test('the Node entry imports ws only lazily, as it is an optional dependency', async (t) => {
  const { specifiers } = await importGraph('index.js');
  t.same(specifiers.filter((specifier) => !specifier.startsWith('./')).sort(), [
    'node:fs/promises',
    'node:path',
    'ws',
  ]);
  const nodeSocket = await readFile(new URL('node-socket.js', clientDir), 'utf8');
  t.match(nodeSocket, /await import\('ws'\)/);
  t.notMatch(nodeSocket, /^import .* from 'ws'/m);
});

t.test('both packages send browsers to the browser entry and Node to the full one', async (t) => {
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, Record<string, string>>;
  };
  const sdkOnly = JSON.parse(await readFile(join(repoRoot, 'packages/client/package.json'), 'utf8')) as {
    exports: Record<string, Record<string, string>>;
  };
  t.match(root.exports['./client'], {
    browser: './dist/src/client/browser.js',
    node: './dist/src/client/index.js',
    default: './dist/src/client/browser.js',
  });
  t.match(sdkOnly.exports['.'], {
    browser: './dist/browser.js',
    node: './dist/index.js',
    default: './dist/browser.js',
  });
  t.same(
    Object.keys(root.exports['./client']!)[0],
    'types',
    'types first, as TypeScript reads them in order',
  );
});

// Run in a child process: `setup` prepares the global WebSocket, then `body` runs with `connect`,
// `failure(error)` and `report(outcome)`, which prints one JSON line with the sockets constructed.
const harness = (setup: string, body: string) => `
  ${setup}
  let sockets = 0;
  const Platform = globalThis.WebSocket;
  globalThis.WebSocket = class extends Platform { constructor(...args) { super(...args); sockets++; } };
  const { connect } = await import('runyard/client');
  const failure = (error) => ({ name: error.name, reason: error.reason, closeCode: error.closeCode, status: error.status });
  const report = (outcome) => console.log(JSON.stringify({ ...outcome, sockets }));
  ${body}
`;

// A WebSocket that, like a browser's, takes only (url, protocols): it cannot send an Authorization header.
const BROWSER_LIKE = `import WebSocket from 'ws';
  globalThis.WebSocket = class extends WebSocket { constructor(url, protocols) { super(url, protocols); } };`;

function runChild(flags: string[], script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', script], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  /** Resolves once the child has printed `line`. */
  const printed = async (line: string) => {
    while (!stdout.split('\n').includes(line)) {
      if (child.exitCode !== null) throw new Error(`child exited before printing ${line}: ${stderr}`);
      await Promise.race([once(child.stdout, 'data'), once(child, 'exit')]);
    }
  };
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, printed, exited };
}

async function outcomeOf(flags: string[], script: string, env: Record<string, string>) {
  const { code, stdout, stderr } = await runChild(flags, script, env).exited;
  if (code !== 0) throw new Error(`child exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

t.test('with a browser-like global WebSocket the SDK connects with the subprotocol token', async (t) => {
  const daemon = await startDaemon(t);
  const script = harness(
    BROWSER_LIKE,
    `const client = await connect({ url: process.env.URL, token: process.env.TOKEN });
     const run = await client.run.start({ argv: ['echo', 'from a webview'] });
     report({ status: (await client.run.wait({ runId: run.runId })).status });
     await client.close();`,
  );
  t.same(await outcomeOf([], script, { URL: daemon.url, TOKEN: daemon.token }), {
    status: 'succeeded',
    sockets: 1,
  });
});

// Node 20 has a global WebSocket (undici's, as Node 22 has unflagged) behind --experimental-websocket.
const NODE_22 = ['--experimental-websocket', '--no-warnings'];
const connectOnce = harness(
  '',
  `report(failure(await connect({ url: process.env.URL, token: process.env.TOKEN }).catch((error) => error)));`,
);

t.test("with Node's global WebSocket a refused token is token_refused, tried once", async (t) => {
  const daemon = await startDaemon(t);
  t.same(await outcomeOf(NODE_22, connectOnce, { URL: daemon.url, TOKEN: 'nope' }), {
    name: 'ConnectError',
    reason: 'token_refused',
    closeCode: 4401,
    sockets: 1,
  });
});

t.test("with Node's global WebSocket no daemon at the URL is unreachable, tried once", async (t) => {
  t.same(await outcomeOf(NODE_22, connectOnce, { URL: 'ws://127.0.0.1:1/rpc', TOKEN: 'nope' }), {
    name: 'ConnectError',
    reason: 'unreachable',
    sockets: 1,
  });
});

t.test('a reconnect that the daemon refuses stops at once instead of retrying', async (t) => {
  const first = await startDaemon(t);
  const script = harness(
    '',
    `const client = await connect({ url: process.env.URL, token: process.env.TOKEN });
     console.log('connected');
     for await (const _ of process.stdin) break; // the test restarts the daemon with a new token
     report(failure(await client.daemon.info().catch((error) => error)));
     await client.close();`,
  );
  const { child, printed, exited } = runChild(NODE_22, script, { URL: first.url, TOKEN: first.token });
  await printed('connected');
  await first.stop();
  // The same port and state directory, but a new token: what an SDK client sees after `rm token`.
  await rm(join(first.stateDir, 'token'));
  const second = await startDaemon(t, {
    home: first.home,
    args: ['--listen', `127.0.0.1:${new URL(first.url).port}`],
  });
  t.not(second.token, first.token);
  child.stdin.end('go\n');
  const { code, stdout, stderr } = await exited;
  t.equal(code, 0, stderr);
  t.same(JSON.parse(stdout.split('\n').at(-2)!), {
    name: 'ConnectError',
    reason: 'token_refused',
    closeCode: 4401,
    sockets: 2,
  });
});
