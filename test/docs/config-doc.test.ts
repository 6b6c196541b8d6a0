// docs/config.md against the code: its example is a valid file, and its table names every setting of the
// schema with a flag `runyard serve` takes.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cli } from '../helpers/config.js';
import { tempDir } from '../helpers/fs.js';
import { markers, readDoc } from './markdown.js';
import { DaemonSettings } from '../../src/schema/config.js';

t.test('the example in docs/config.md passes runyard config check', async (t) => {
  const doc = await readDoc('docs/config.md');
  const example = markers(doc).find((marker) => marker.text === 'config-file')?.block;
  if (!example) throw new Error('docs/config.md has no <!-- config-file --> block');
  const dir = await tempDir(t, 'config-doc');
  const file = join(dir, 'runyard.json');
  await writeFile(file, example.text);
  const checked = await cli(['config', 'check', '--json', file]);
  t.equal(checked.code, 0, checked.stderr);
  t.match(JSON.parse(checked.stdout), { actions: 1, services: 1 });
});

t.test("the settings table: every key of the schema's daemon section, with a real serve flag", async (t) => {
  const doc = await readDoc('docs/config.md');
  const help = (await cli(['serve', '--help'])).stdout;
  const rows = doc
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()));
  // A row's first key names the setting: `retention.keepRuns`, `.keepDays` is the retention row.
  const keys = rows.map(([, key]) => /`(\w+)/.exec(key!)![1]!);
  t.same(new Set(keys), new Set(Object.keys(DaemonSettings.properties)), 'one row per setting');
  for (const [, key, flags] of rows)
    for (const [flag] of flags!.matchAll(/--[a-z-]+/g)) t.match(help, flag, `${key}: serve takes ${flag}`);
});
