import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runyard } from '../../src/cli/command-table.js';
import type { CommandGroup } from '../../src/cli/dispatch.js';
import { version } from '../../src/schema/version.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { CLI } from '../helpers/daemon.js';

/** Every command the table can run, as the words that name it: `['run', 'start']`. */
function commandPaths(group: CommandGroup, prefix: string[] = []): string[][] {
  return Object.entries(group.commands).flatMap(([name, command]) =>
    'group' in command
      ? commandPaths(command.group, [...prefix, name])
      : command.usage.length > 0
        ? [[...prefix, name]]
        : [],
  );
}

t.test('every command in the table prints its own usage with --help and exits 0', async (t) => {
  const paths = commandPaths(runyard);
  t.ok(paths.length >= 25, `${paths.length} commands`);
  // A few at a time: one after the other takes half a minute on a busy machine.
  const results = [];
  for (let start = 0; start < paths.length; start += 6) {
    const batch = paths.slice(start, start + 6);
    results.push(...(await Promise.all(batch.map((path) => runCli([...path, '--help'])))));
  }
  for (const [i, path] of paths.entries()) {
    const result = results[i]!;
    t.equal(result.code, 0, path.join(' '));
    t.match(result.stdout, `runyard ${path.join(' ')}`, `${path.join(' ')} prints its own usage`);
    t.equal(result.stderr, '', path.join(' '));
  }
});

t.test('runyard without a command prints the usage on stderr and exits 2', async (t) => {
  const result = await runCli([]);
  t.equal(result.code, 2);
  t.equal(result.stdout, '');
  t.match(result.stderr, /^runyard — a local run daemon\n\nUsage: runyard COMMAND/);
});

t.test('runyard --help lists every group by the names of its commands', async (t) => {
  const result = await runCli(['--help']);
  t.equal(result.code, 0);
  t.match(result.stdout, /^ {2}runs list\|latest\|reports\|artifacts\|cat\|problems +\S/m);
  t.match(result.stdout, /^ {2}serve \[options\] +\S/m);
});

t.test('--version and -v print the version', async (t) => {
  for (const flag of ['--version', '-v']) {
    t.same(await runCli([flag]), { code: 0, stdout: `${version}\n`, stderr: '' }, flag);
  }
});

// Start-up must stay fast: a command imports its own module, never the daemon or the other commands.
// The bin is the bundle (scripts/build-cli.ts), whose chunks follow the same lazy imports: checked at
// the module level on the command as tsc emitted it, and at the chunk level on the bundle.
const HOOKS = `export async function load(url, context, next) {
  if (url.startsWith('file:')) process.stderr.write('loaded ' + url + '\\n');
  return next(url, context);
}`;
const REGISTER = `import { register } from 'node:module';
  register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));`;
const loadedBy = async (entry: string, args: string[]) => {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...cleanEnv, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(REGISTER)}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, loaded: [...stderr.matchAll(/^loaded (.*)$/gm)].map((m) => m[1]!) };
};

t.test('a command loads its own module and no other command module', async (t) => {
  const table = await readFile(new URL('../../src/cli/command-table.ts', import.meta.url), 'utf8');
  const commandModules = new Set(
    [...table.matchAll(/import\('\.\/commands\/([\w-]+)\.js'\)/g)].map((m) => m[1]),
  );
  t.ok(commandModules.has('run-status') && commandModules.has('serve'));

  const modules = await loadedBy(fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url)), [
    'run',
    'status',
    '--help',
  ]);
  t.equal(modules.code, 0);
  const loaded = modules.loaded.flatMap((url) => /\/dist\/src\/(.*)\.js$/.exec(url)?.[1] ?? []);
  t.ok(loaded.includes('cli/commands/run-status'), 'the hook saw the command load');
  t.same(
    loaded.filter((file) => /^(daemon|store|runs|retained|services|run-dir)\//.test(file)),
    [],
    'no part of the daemon',
  );
  t.same(
    loaded.filter((file) => file.startsWith('cli/commands/') && commandModules.has(file.slice(13))),
    ['cli/commands/run-status'],
    'no other command',
  );

  const bundle = await loadedBy(CLI, ['run', 'status', '--help']);
  t.equal(bundle.code, 0);
  const chunks = bundle.loaded.flatMap(
    (url) => /\/dist\/cli\/chunks\/([\w-]+)-[A-Z0-9]+\.js$/.exec(url)?.[1] ?? [],
  );
  t.ok(chunks.includes('run-status'), "the bundle loads the command's chunk");
  t.same(
    chunks.filter((name) => commandModules.has(name) && name !== 'run-status'),
    [],
    "and no other command's chunk, serve's included",
  );
});
