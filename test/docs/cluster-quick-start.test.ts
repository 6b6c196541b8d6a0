// docs/cluster.md's quick start as written: a database, two nodes on it, a run started on one and listed
// on the other. Its database gets a name of its own here, dropped after, and its ports are port 0.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/fs.js';
import { skipWithoutPostgres, sql } from '../helpers/postgres.js';
import { markers, printedPattern, readDoc } from './markdown.js';
import { killLeftover, outcomeOf, runyardOnPath } from './shell.js';

const doc = await readDoc('docs/cluster.md');
const skip = await skipWithoutPostgres();

t.test(
  'the quick start of docs/cluster.md runs a run on one node that the other lists',
  { skip },
  async (t) => {
    const block = markers(doc).find((marker) => marker.text === 'test: quick start')?.block;
    if (!block) throw new Error('docs/cluster.md has no block marked <!-- test: quick start -->');
    const database = `runyard_quick_start_${randomBytes(4).toString('hex')}`;
    t.teardown(() => sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const script = block.text
      .replaceAll('/runyard\n', `/${database}\n`)
      .replace('-U postgres runyard', `-U postgres ${database}`)
      .replaceAll(/127\.0\.0\.1:737\d/g, '127.0.0.1:0');
    t.not(script, block.text, 'the database and the ports were found to replace');
    const cwd = await tempDir(t, 'cluster-quick-start');
    for (const node of ['a', 'b']) killLeftover(t, join(cwd, `node-${node}/state`));
    const outcome = await outcomeOf('sh', ['-e', '-c', script], await runyardOnPath(t), cwd);
    t.equal(outcome.code, 0, outcome.stderr);
    t.match(outcome.stdout, printedPattern(block.text, '#'));
  },
);
