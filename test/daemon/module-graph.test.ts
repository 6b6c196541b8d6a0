// What a started daemon has loaded: a real daemon, with a module hook (node's --import) that records
// every module the loader reads. Each module kept is memory an idle daemon holds for good.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { RunNotFoundError } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

// The hooks run in the loader's own thread, so they append to a file rather than share memory.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.RUNYARD_TEST_MODULES_FILE, url + '\\n');
  return next(url, context);
}
`;
const REGISTER = `import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
`;

/** Modules a daemon on SQLite never needs: the PostgreSQL driver, the dashboard's page and the build tools. */
const NEVER_LOADED: [string, RegExp][] = [
  ['the PostgreSQL driver', /\/node_modules\/pg(-[a-z]+)?\//],
  // The store's module as tsc emits it, or its chunk of the bundled command (scripts/build-cli.ts).
  ['the PostgreSQL store', /\/(src\/store\/postgres|cli\/chunks\/postgres-[A-Z0-9]+)\.js$/],
  ["the dashboard's page", /\/(src\/)?dashboard\//],
  ['esbuild', /\/node_modules\/(@esbuild|esbuild)\//],
  ['playwright', /\/node_modules\/(playwright|playwright-core|@playwright)\//],
];

t.test(
  'a daemon on SQLite starts and answers without the PostgreSQL driver or the dashboard code',
  async (t) => {
    const dir = await tempDir(t, 'modules');
    const modulesFile = join(dir, 'modules.txt');
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(join(dir, 'register.mjs'), REGISTER);
    await writeFile(modulesFile, '');
    const daemon = await startDaemon(t, {
      env: { NODE_OPTIONS: `--import ${join(dir, 'register.mjs')}`, RUNYARD_TEST_MODULES_FILE: modulesFile },
    });
    const client = await daemon.client();
    await client.daemon.info();
    // A validated call: its params validator is compiled then, and the store looked up.
    await t.rejects(client.run.status({ runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE' }), RunNotFoundError);

    const loaded = (await readFile(modulesFile, 'utf8')).split('\n').filter(Boolean);
    // The hook saw the daemon itself and its store's driver, so an empty list cannot pass for a clean one.
    t.ok(
      loaded.some((url) => url.endsWith('/dist/cli/runyard.js')),
      'the hook recorded the command',
    );
    t.ok(
      loaded.some((url) => url.includes('/node_modules/better-sqlite3/')),
      'and the SQLite driver',
    );
    for (const [what, pattern] of NEVER_LOADED) {
      t.same(
        loaded.filter((url) => pattern.test(url)),
        [],
        `${what} is not loaded`,
      );
    }
  },
);
