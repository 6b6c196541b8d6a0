// The SDK in a browser or webview: no Node import when a global WebSocket exists, the token as a subprotocol.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

const clientDir = new URL('../../dist/src/client/', import.meta.url);

t.test('the compiled client imports Node modules and ws only lazily, behind a check', async (t) => {
  for (const file of (await readdir(clientDir)).filter((name) => name.endsWith('.js'))) {
    const source = await readFile(new URL(file, clientDir), 'utf8');
    const staticImports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]!);
    const foreign = staticImports.filter(
      (specifier) => !specifier.startsWith('./') && specifier !== 'json-rpc-2.0',
    );
    t.same(foreign, [], `${file} statically imports only its siblings and json-rpc-2.0`);
  }
});

t.test('with a browser-like global WebSocket the SDK connects with the subprotocol token', async (t) => {
  const daemon = await startDaemon(t);
  // A WebSocket that, like a browser's, takes only (url, protocols): it cannot send an Authorization header.
  const script = `
    import WebSocket from 'ws';
    globalThis.WebSocket = class extends WebSocket { constructor(url, protocols) { super(url, protocols); } };
    const { connect } = await import('runyard/client');
    const client = await connect({ url: process.env.URL, token: process.env.TOKEN });
    const info = await client.daemon.info();
    const run = await client.run.start({ argv: ['echo', 'from a webview'] });
    const done = await client.run.wait({ runId: run.runId });
    console.log(JSON.stringify({ pid: info.pid, status: done.status }));
    await client.close();
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(new URL('../../', import.meta.url).pathname),
    env: { ...process.env, URL: daemon.url, TOKEN: daemon.token },
  });
  t.same(JSON.parse(stdout), { pid: daemon.child.pid, status: 'succeeded' });
});
