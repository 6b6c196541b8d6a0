// Runs the full example of docs/services.md: its config file on a real daemon, its script against it.
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { compileSchema, createAjv } from '../../src/schema/validator.js';
import { RunyardConfig } from '../../src/schema/config.js';
import { startDaemon } from '../helpers/daemon.js';
import { markers, readDoc, repoRoot } from './markdown.js';

t.test('the example in docs/services.md works as written', async (t) => {
  const doc = await readDoc('docs/services.md');
  const block = (name: string) => {
    const marker = markers(doc).find((m) => m.text === name);
    if (!marker?.block) throw new Error(`docs/services.md has no <!-- ${name} --> block`);
    return marker.block.text;
  };
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
