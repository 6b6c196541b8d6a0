// The event log on disk: paging through it must not hold files open.
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { readEvents } from '../../src/run-dir/events.js';
import { sleep } from '../helpers/poll.js';
import { tempDir } from '../helpers/fs.js';

const openFds = () => readdirSync('/proc/self/fd').length;

t.test('reading a page that ends before the log does closes the file', async (t) => {
  const runsDir = await tempDir(t, 'event-log');
  const runDir = join(runsDir, 'run');
  await mkdir(runDir);
  const lines = Array.from({ length: 1_000 }, (_, index) =>
    JSON.stringify({
      seq: index + 1,
      time: new Date(0).toISOString(),
      type: 'note',
      message: `event ${index + 1}`,
    }),
  );
  await writeFile(join(runDir, 'events.jsonl'), `${lines.join('\n')}\n`);
  const before = openFds();
  const pages: number[] = [];
  for (let page = 0; page < 100; page++)
    pages.push((await readEvents(runsDir, runDir, page * 5 + 1, 5)).events.length);
  t.same(new Set(pages), new Set([5]), 'every page holds five events');
  // A stream stopped early is closed asynchronously: poll, with a deadline.
  const until = Date.now() + 2_000;
  while (openFds() > before && Date.now() < until) await sleep(20);
  t.equal(openFds(), before, 'every file descriptor opened for a page is closed again');
});
