// The two packages as users get them: packed from a clone-style copy of this checkout, installed with
// --omit=dev into empty prefixes; the installed daemon serves and the installed SDK alone talks to it.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}
interface Packed {
  filename: string;
  unpackedSize: number;
  files: PackedFile[];
}

const repoRoot = await realpath(new URL('../../', import.meta.url).pathname);
const rootManifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};

// Child npm processes get the user's npm config and cache, not the settings of the `npm test` that
// runs this file (npm passes those down as npm_* variables).
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

async function npm(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('npm', args, { cwd, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
}

/** What a fresh clone holds: the files git tracks or would track, as they are in this working tree. */
async function cloneStyleCopy(target: string): Promise<void> {
  const { stdout } = await promisify(execFile)(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  // node_modules is a symlink in a worktree, so `dist/`-style ignore rules do not hide it.
  const paths = stdout.split('\0').filter((path) => path && path !== 'node_modules');
  for (const path of paths) {
    const source = join(repoRoot, path);
    if (!(await stat(source).catch(() => undefined))) continue; // deleted in the working tree
    await mkdir(dirname(join(target, path)), { recursive: true });
    await copyFile(source, join(target, path));
  }
  // The dev dependencies a clone gets from `npm ci`, without installing them again.
  await symlink(await realpath(join(repoRoot, 'node_modules')), join(target, 'node_modules'), 'dir');
}

const work = await tempDir(t, 'packed');
const clone = join(work, 'clone');
const tarballs = join(work, 'tarballs');
await mkdir(tarballs);
await cloneStyleCopy(clone);
// A real `npm pack`: prepack empties dist, prepare builds it (tsc, the bin's mode, packages/client).
const [daemonPack] = JSON.parse(
  (await npm(clone, ['pack', '--json', '--pack-destination', tarballs])).stdout,
) as [Packed];
// Built by the root's pack above; its own prepack would only build the same thing again.
const [clientPack] = JSON.parse(
  (
    await npm(join(clone, 'packages/client'), [
      'pack',
      '--json',
      '--ignore-scripts',
      '--pack-destination',
      tarballs,
    ])
  ).stdout,
) as [Packed];

/** `npm install --omit=dev TARBALL` into a new, empty project `prefix` holding only `manifest`. */
async function installTarball(prefix: string, tarball: string, manifest: object): Promise<string> {
  await mkdir(prefix);
  await writeFile(join(prefix, 'package.json'), JSON.stringify({ private: true, ...manifest }));
  const flags = ['--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'];
  return (await npm(prefix, ['install', ...flags, tarball])).stderr;
}

// The daemon's one native dependency: installing better-sqlite3 fetches a prebuilt binary from GitHub
// or, when that fails (as it may here: the npm registry is reachable, GitHub downloads need not be),
// compiles SQLite for 80–90 s. The install below leaves its script out (`false` in allowScripts) and
// puts in the binary this checkout's `npm ci` produced for the same version and the same Node; the
// rest is a plain install from the tarball, with the npm cache this machine already has.
async function installDaemon(prefix: string): Promise<string> {
  const betterSqlite = join(repoRoot, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(await readFile(join(betterSqlite, 'package.json'), 'utf8')) as {
    version: string;
  };
  const tarball = join(tarballs, daemonPack.filename);
  const log = await installTarball(prefix, tarball, {
    // npm lists runyard's own prepare (it builds a clone) for a tarball dependency, named by its
    // absolute file: spec, though it never runs there: the tarball carries dist.
    allowScripts: { [`file:${tarball}`]: false, 'better-sqlite3': false },
    overrides: { 'better-sqlite3': version },
  });
  const release = join(prefix, 'node_modules/better-sqlite3/build/Release');
  await mkdir(release, { recursive: true });
  await copyFile(
    join(betterSqlite, 'build/Release/better_sqlite3.node'),
    join(release, 'better_sqlite3.node'),
  );
  return log;
}

// Everything is packed and installed before the first test: tap ends the file, and removes `work`,
// once the tests declared so far have run.
const daemonPrefix = join(work, 'daemon-install');
const clientPrefix = join(work, 'client-install');
const [daemonInstallLog, clientInstallLog] = await Promise.all([
  installDaemon(daemonPrefix),
  installTarball(clientPrefix, join(tarballs, clientPack.filename), { type: 'module' }),
]);

/** The files of a pack that match none of the allowed patterns. */
const outside = (pack: Packed, allowed: RegExp[]) =>
  pack.files.map((file) => file.path).filter((path) => !allowed.some((pattern) => pattern.test(path)));

t.test(
  'the daemon tarball holds the built program, its contract, docs, systemd units and license, nothing else',
  async (t) => {
    const allowed = [
      /^(package\.json|README\.md|LICENSE|openrpc\.json)$/,
      /^schema\/[a-z.-]+\.schema\.json$/,
      /^docs\/[a-z-]+\.md$/,
      /^contrib\/systemd\/[a-z-]+\.service$/,
      /^dist\/src\/.+\.js$/,
      // The bundled command and the chunks it imports lazily (scripts/build-cli.ts).
      /^dist\/cli\/(runyard|chunks\/[a-z0-9-]+-[A-Z0-9]{8})\.js$/,
      /^dist\/src\/client\/[a-z-]+\.d\.ts$/,
      /^dist\/dashboard\/(index\.html|app-[A-Z0-9]+\.(js|css))$/,
      // The PostgreSQL store's migrations, read at start.
      /^dist\/src\/store\/postgres-migrations\/\d{6}\.sql$/,
    ];
    t.same(
      outside(daemonPack, allowed),
      [],
      'no tests, scripts, sources, source maps or daemon declarations',
    );
    const paths = daemonPack.files.map((file) => file.path);
    for (const path of [
      'LICENSE',
      'dist/cli/runyard.js',
      'dist/src/client/index.js',
      'dist/src/client/index.d.ts',
      'docs/deploy.md',
      'dist/dashboard/index.html',
      'dist/src/store/postgres-migrations/000001.sql',
      'dist/src/store/postgres-migrations/000002.sql',
      'contrib/systemd/runyard.service',
      'contrib/systemd/runyard-user.service',
    ])
      t.ok(paths.includes(path), `ships ${path}`);
  },
);

t.test('the client tarball holds the compiled SDK, its declarations and license, nothing else', async (t) => {
  const allowed = [/^(package\.json|README\.md|LICENSE)$/, /^dist\/[a-z-]+\.(js|d\.ts)$/];
  t.same(outside(clientPack, allowed), []);
  const sources = (await readdir(join(clone, 'src/client'))).filter((name) => name.endsWith('.ts'));
  const shipped = clientPack.files.map((file) => file.path);
  for (const source of sources) {
    t.ok(shipped.includes(`dist/${source.replace(/\.ts$/, '.js')}`), `ships src/client/${source} compiled`);
    t.ok(shipped.includes(`dist/${source.replace(/\.ts$/, '.d.ts')}`), `ships src/client/${source} declared`);
  }
});

t.test('no file in either tarball points at a source map', async (t) => {
  const shipped = [
    ...daemonPack.files.map((file) => join(clone, file.path)),
    ...clientPack.files.map((file) => join(clone, 'packages/client', file.path)),
  ].filter((path) => path.endsWith('.js'));
  const pointing: string[] = [];
  for (const path of shipped)
    if ((await readFile(path, 'utf8')).includes('sourceMappingURL')) pointing.push(path);
  t.same(pointing, []);
});

t.test('the bin is executable in the tarball and after a clone-style build', async (t) => {
  for (const [name, path] of Object.entries(rootManifest.bin)) {
    const packed = daemonPack.files.find((file) => file.path === path);
    t.equal(packed?.mode, 0o755, `${name} (${path}) is 0755 in the tarball`);
    t.equal((await stat(join(clone, path))).mode & 0o777, 0o755, `${name} is 0755 in the built clone`);
  }
});

t.test('the client package is the daemon version with the same ranges of the deps it shares', async (t) => {
  const client = JSON.parse(await readFile(join(clone, 'packages/client/package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
    optionalDependencies: Record<string, string>;
  };
  t.equal(client.version, rootManifest.version);
  for (const [name, range] of Object.entries({ ...client.dependencies, ...client.optionalDependencies }))
    t.equal(range, rootManifest.dependencies[name], `${name} has the daemon's range`);
});

/** Bytes of every file below `dir`. */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

t.test('the client installs in at most 100 kB, beside ws and nothing else', async (t) => {
  t.ok(clientPack.unpackedSize <= 100_000, `unpacked ${clientPack.unpackedSize} bytes`);
  const installed = await sizeOf(join(clientPrefix, 'node_modules/@runyard/client'));
  t.ok(installed <= 100_000, `installed ${installed} bytes`);
  const modules = (await readdir(join(clientPrefix, 'node_modules'))).filter((name) => !name.startsWith('.'));
  t.same(modules.sort(), ['@runyard', 'ws']);
  t.notMatch(clientInstallLog, /install scripts/, 'nothing in it has an install script');
});

t.test('an install has what docs/deploy.md copies and the units start, where they say', async (t) => {
  for (const path of [
    'node_modules/.bin/runyard',
    'node_modules/runyard/docs/deploy.md',
    'node_modules/runyard/contrib/systemd/runyard.service',
    'node_modules/runyard/contrib/systemd/runyard-user.service',
  ])
    t.ok(await stat(join(daemonPrefix, path)).catch(() => undefined), `${path} is installed`);
});

t.test('a production install from the tarball serves and runs, and the SDK alone talks to it', async (t) => {
  t.notMatch(daemonInstallLog, /not yet covered by allowScripts/, 'allowScripts covers every install script');
  const bin = join(daemonPrefix, 'node_modules/.bin/runyard');
  const daemon = await startDaemon(t, { bin });
  const remote = { env: { RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token }, bin };

  const started = await runCli(['run', 'start', '--', 'echo', 'from the tarball'], remote);
  t.equal(started.code, 0, started.stderr);
  const runId = started.stdout.trim();
  t.match(await runCli(['run', 'wait', runId], remote), { code: 0, stdout: /^succeeded\b/ });

  await writeFile(
    join(clientPrefix, 'sdk.js'),
    `import { connect } from '@runyard/client';
     const client = await connect({ url: process.env.URL, token: process.env.TOKEN });
     const { runId } = await client.run.start({ argv: ['echo', 'from the SDK alone'] });
     const { status } = await client.run.wait({ runId });
     const { text } = await client.run.logs({ runId });
     console.log(status, text.trim());
     await client.close();`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, ['sdk.js'], {
    cwd: clientPrefix,
    env: { ...process.env, URL: daemon.url, TOKEN: daemon.token },
  });
  t.equal(stdout, 'succeeded from the SDK alone\n');
});
