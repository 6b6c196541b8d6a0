// Runs the full example of docs/services.md: its config file on a real daemon, its script and its shell
// lines against it.
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { compileSchema, createAjv } from '../../src/schema/validator.js';
import { RunyardConfig } from '../../src/schema/config.js';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { markers, readDoc, repoRoot } from './markdown.js';

const doc = await readDoc('docs/services.md');
const block = (name: string) => {
  const marker = markers(doc).find((m) => m.text === name);
  if (!marker?.block) throw new Error(`docs/services.md has no <!-- ${name} --> block`);
  return marker.block.text;
};

t.test('the example in docs/services.md works as written', async (t) => {
  const config = JSON.parse(block('config'));
  const validate = compileSchema(createAjv(), RunyardConfig);
  t.ok(validate(structuredClone(config)), 'the config fits the published schema');
  const published = JSON.parse(await readFile(join(repoRoot, 'schema/runyard.config.schema.json'), 'utf8'));
  t.equal(published.$id, RunyardConfig.$id);

  const home = join((await import('node:os')).tmpdir(), `runyard-services-doc-${process.pid}`);
  await mkdir(home, { recursive: true });
  t.teardown(() => import('node:fs/promises').then(({ rm }) => rm(home, { recursive: true, force: true })));
  const configPath = join(home, 'runyard.config.json');
  await writeFile(configPath, JSON.stringify(config));
  const daemon = await startDaemon(t, { home, args: ['--config', configPath] });

  await mkdir(join(home, 'node_modules'), { recursive: true });
  await symlink(repoRoot, join(home, 'node_modules/runyard'));
  await writeFile(join(home, 'example.mjs'), block('sdk'));
  const { stdout } = await promisify(execFile)(process.execPath, ['example.mjs'], {
    cwd: home,
    env: { ...process.env, RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token },
  });
  t.equal(stdout, `${block('output').trim()}\n`);
});

t.test('the shell lines in docs/services.md run as written against a daemon with its config', async (t) => {
  const configPath = join(t.testdir(), 'runyard.config.json');
  await writeFile(configPath, block('config'));
  const daemon = await startDaemon(t, { args: ['--config', configPath] });
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  const runyard = `${quote(process.execPath)} ${quote(CLI)}`;
  const env = { ...process.env, RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token };
  const lines = block('shell')
    .split('\n')
    .filter((line) => line.trim() !== '');
  t.ok(lines.length > 0);
  for (const line of lines) {
    t.match(line, /^runyard /, 'every line calls runyard');
    const result = await promisify(execFile)('sh', ['-c', line.replace(/^runyard /, `${runyard} `)], {
      env,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    t.equal(result.code, 0, `${line}: ${result.stderr}`);
    if (line === 'runyard service status web') t.match(result.stdout, /^web: running\n/);
    if (line === 'runyard run list --service web') t.equal(result.stdout.trimEnd().split('\n').length, 1);
  }
});
