// Paging events.jsonl through its index: every event once, in order, and a log changed under the index still read right.
import { appendFile, mkdir, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { EventIndexes } from '../../src/run-dir/event-index.js';
import { lastEventSeq, readEvents } from '../../src/run-dir/events.js';
import { tempDir } from '../helpers/fs.js';

const note = (seq: number, message = `event ${seq}`) =>
  `${JSON.stringify({ seq, time: new Date(0).toISOString(), type: 'note', message })}\n`;
const notes = (from: number, to: number, message?: (seq: number) => string) =>
  Array.from({ length: to - from + 1 }, (_, index) => note(from + index, message?.(from + index))).join('');

async function runDirWith(t: Test, text: string) {
  const runsDir = await tempDir(t, 'event-index');
  const runDir = join(runsDir, 'run');
  await mkdir(join(runDir, 'logs'), { recursive: true });
  await writeFile(join(runDir, 'events.jsonl'), text);
  return { runsDir, runDir };
}

async function pageThrough(runsDir: string, runDir: string, indexes: EventIndexes, limit: number) {
  const seqs: number[] = [];
  for (let fromSeq = 1; ;) {
    const page = await readEvents(runsDir, runDir, fromSeq, limit, { indexes });
    seqs.push(...page.events.map((event) => event.seq));
    if (page.exhausted) return seqs;
    fromSeq = page.events.at(-1)!.seq + 1;
  }
}

t.test('paging a long log page by page returns every event once, in order', async (t) => {
  const { runsDir, runDir } = await runDirWith(t, notes(1, 5_000));
  const seqs = await pageThrough(runsDir, runDir, new EventIndexes(), 97);
  t.equal(seqs.length, 5_000);
  t.ok(
    seqs.every((seq, index) => seq === index + 1),
    'seq 1 to 5,000 without a gap or a repeat',
  );
});

t.test('a page read from the middle of an indexed log holds exactly the events asked for', async (t) => {
  const { runsDir, runDir } = await runDirWith(t, notes(1, 3_000));
  const indexes = new EventIndexes();
  await pageThrough(runsDir, runDir, indexes, 500);
  for (const fromSeq of [2_999, 1, 129, 130, 1_000, 2_561]) {
    const page = await readEvents(runsDir, runDir, fromSeq, 3, { indexes });
    t.same(
      page.events.map((event) => event.seq),
      [fromSeq, fromSeq + 1, fromSeq + 2].filter((seq) => seq <= 3_000),
      `from ${fromSeq}`,
    );
    t.equal(page.exhausted, fromSeq + 3 > 3_000, `exhausted from ${fromSeq} says whether more follow`);
  }
  t.equal(await lastEventSeq(runsDir, runDir, indexes), 3_000);
});

t.test('a log that grows after it was indexed is read on from where it was', async (t) => {
  const { runsDir, runDir } = await runDirWith(t, notes(1, 1_000));
  const indexes = new EventIndexes();
  t.equal(await lastEventSeq(runsDir, runDir, indexes), 1_000);
  await appendFile(join(runDir, 'events.jsonl'), notes(1_001, 1_300));
  t.equal(await lastEventSeq(runsDir, runDir, indexes), 1_300);
  const page = await readEvents(runsDir, runDir, 1_290, 100, { indexes });
  t.same(
    page.events.map((event) => event.seq),
    Array.from({ length: 11 }, (_, index) => 1_290 + index),
  );
});

t.test('a log rewritten in place or replaced after it was indexed is read as it is now', async (t) => {
  const { runsDir, runDir } = await runDirWith(t, notes(1, 2_000));
  const path = join(runDir, 'events.jsonl');
  const indexes = new EventIndexes();
  await pageThrough(runsDir, runDir, indexes, 1_000);
  // Same file, longer lines: every offset the index learnt now points inside a line.
  await truncate(path, 0);
  await appendFile(
    path,
    notes(1, 2_000, (seq) => `rewritten ${seq} ${'x'.repeat(seq % 7)}`),
  );
  const rewritten = await readEvents(runsDir, runDir, 1_500, 2, { indexes });
  t.same(
    rewritten.events.map((event) => event.type === 'note' && event.message),
    ['rewritten 1500 xx', 'rewritten 1501 xxx'],
  );
  // Another file in its place, shorter.
  await writeFile(`${path}.new`, notes(1, 300));
  await rename(`${path}.new`, path);
  t.equal(await lastEventSeq(runsDir, runDir, indexes), 300);
  t.same((await readEvents(runsDir, runDir, 1_500, 2, { indexes })).events, []);
});

t.test(
  'a log that breaks stops at the break, whether it is read from the top or from the index',
  async (t) => {
    const { runsDir, runDir } = await runDirWith(t, `${notes(1, 600)}{"torn":\n${notes(601, 700)}`);
    const indexes = new EventIndexes();
    t.equal(await lastEventSeq(runsDir, runDir, indexes), 600);
    t.equal((await pageThrough(runsDir, runDir, indexes, 50)).length, 600);
    t.same((await readEvents(runsDir, runDir, 650, 10, { indexes })).events, []);
  },
);

t.test('a page of large output events ends early and the next page goes on from there', async (t) => {
  const chunk = 1_000_000;
  const lines = Array.from(
    { length: 20 },
    (_, index) =>
      `${JSON.stringify({ seq: index + 1, time: new Date(0).toISOString(), type: 'output', stream: 'stdout', offset: index * chunk, length: chunk })}\n`,
  );
  const { runsDir, runDir } = await runDirWith(t, lines.join(''));
  await writeFile(join(runDir, 'logs/stdout.log'), Buffer.alloc(20 * chunk, 'y'));
  const first = await readEvents(runsDir, runDir, 1, 1_000, { indexes: new EventIndexes() });
  t.ok(
    first.events.length > 0 && first.events.length < 20,
    `${first.events.length} of 20 events in the first page`,
  );
  t.equal(first.exhausted, false, 'the page says more follow');
  t.ok(
    first.events.every((event) => event.type === 'output' && event.text.length === chunk),
    'with their text',
  );
  const second = await readEvents(runsDir, runDir, first.events.length + 1, 1_000);
  t.equal(second.events[0]!.seq, first.events.length + 1, 'the next page starts with the next event');
});
