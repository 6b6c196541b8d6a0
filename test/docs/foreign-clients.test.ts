// Runs the "From other tools" examples of docs/protocol.md against a real daemon: @open-rpc/client-js
// and a browser's WebSocket (Node's own, which follows the browser API). Each must print what its
// `// →` comments say.
import { execFile } from 'node:child_process';
import t from 'tap';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fencedBlocks, printed, readDoc, repoRoot } from './markdown.js';

const DEFAULT_URL = 'ws://127.0.0.1:7370/rpc';

async function example(containing: string): Promise<string> {
  const blocks = fencedBlocks(await readDoc('docs/protocol.md')).filter(
    (block) => block.lang === 'js' && block.text.includes(containing),
  );
  if (blocks.length !== 1)
    throw new Error(`docs/protocol.md has ${blocks.length} js blocks with ${containing}`);
  return blocks[0]!.text;
}

/** Runs an ES module from the repository root, so it imports the project's node_modules. */
function runModule(code: string, daemon: TestDaemon, flags: string[] = []) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [...flags, '--input-type=module', '--eval', code],
      {
        cwd: repoRoot,
        env: { ...process.env, RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token },
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

t.test('the @open-rpc/client-js example connects with the token and prints what it says', async (t) => {
  const code = await example("from '@open-rpc/client-js'");
  const daemon = await startDaemon(t);
  const outcome = await runModule(code, daemon);
  t.same(outcome, { code: 0, stdout: printed(code, '//'), stderr: '' });
});

t.test('the browser WebSocket example connects with the bearer subprotocol', async (t) => {
  const shown = await example("addEventListener('open'");
  t.ok(shown.includes(DEFAULT_URL), 'the example names the default URL');
  // The page would hold the token; the test hands it over the environment.
  const code = shown
    .replace(/^const token = .*$/m, 'const token = process.env.RUNYARD_TOKEN;')
    .replace(`'${DEFAULT_URL}'`, 'process.env.RUNYARD_URL');
  const daemon = await startDaemon(t);
  // Node 20 has the browser's WebSocket behind a flag; later versions have it on.
  const flags = typeof WebSocket === 'undefined' ? ['--experimental-websocket'] : [];
  const outcome = await runModule(code, daemon, flags);
  t.same(outcome, { code: 0, stdout: printed(shown, '//'), stderr: '' });
});
