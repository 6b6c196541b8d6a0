// replay: paging through a 1,000,000-event log as run.events does, vs reading the file once.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EventIndexes } from '../src/run-dir/event-index.js';
import { readEvents } from '../src/run-dir/events.js';
import {
  formatMs,
  formatRatio,
  higherIsBetter,
  lowerIsBetter,
  median,
  verdict,
  type BenchRow,
} from './table.js';

const EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);
// run.events' default limit.
const PAGE = 1_000;
const ROUNDS = 3;
// One event in four is output, as a run that prints now and then and reports progress in between.
const OUTPUT_EVERY = 4;
const LINE = 'a line of output that the replay reads back\n';
const TARGET_RATIO = 0.5;

export async function run(): Promise<BenchRow[]> {
  const home = await mkdtemp(join(tmpdir(), 'runyard-bench-replay-'));
  try {
    const runsDir = await realpath(home);
    const runDir = join(runsDir, 'run');
    await writeFixture(runDir);
    const paged: number[] = [];
    const single: number[] = [];
    const firstPage: number[] = [];
    const lastPage: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      single.push(await timed(() => readOnce(runDir)));
      const indexes = new EventIndexes();
      paged.push(await timed(() => pageThrough(runsDir, runDir, indexes)));
      // A fresh daemon has no index yet: its first page deep in the log reads up to there, once.
      firstPage.push(await timed(() => readEvents(runsDir, runDir, 1, PAGE, { indexes })));
      lastPage.push(await timed(() => readEvents(runsDir, runDir, EVENTS - PAGE + 1, PAGE, { indexes })));
    }
    const ratio = higherIsBetter(1 / median(paged), 1 / median(single));
    const pageRatio = lowerIsBetter(median(lastPage), median(firstPage));
    const events = EVENTS.toLocaleString('en-US');
    return [
      {
        name: `replay: ${events}-event log, page by page`,
        figure: formatMs(median(paged)),
        baseline: formatMs(median(single)),
        ratio: formatRatio(ratio),
        note: `${EVENTS / PAGE} pages of ${PAGE} through readEvents (run.events), output text read back; baseline: one pass with readline and JSON.parse, no line checked`,
      },
      {
        name: 'replay: last page vs first page',
        figure: formatMs(median(lastPage)),
        baseline: formatMs(median(firstPage)),
        ratio: formatRatio(pageRatio),
        target: `ratio >= ${TARGET_RATIO}`,
        note: `${verdict(pageRatio >= TARGET_RATIO)}; a page costs what it returns: page ${EVENTS / PAGE} against page 1, log indexed`,
      },
    ];
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function pageThrough(runsDir: string, runDir: string, indexes: EventIndexes): Promise<void> {
  let seen = 0;
  for (let fromSeq = 1; ;) {
    const page = await readEvents(runsDir, runDir, fromSeq, PAGE, { indexes });
    for (const event of page.events)
      if (event.seq !== ++seen) throw new Error(`seq ${event.seq}, expected ${seen}`);
    if (page.exhausted) break;
    fromSeq = seen + 1;
  }
  if (seen !== EVENTS) throw new Error(`replayed ${seen} events of ${EVENTS}`);
}

/** The plainest full read: every line parsed, every output event given its text from the log. */
async function readOnce(runDir: string): Promise<void> {
  const log = await readFile(join(runDir, 'logs/stdout.log'));
  let seen = 0;
  const lines = createInterface({
    input: createReadStream(join(runDir, 'events.jsonl')),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    const event = JSON.parse(line) as {
      seq: number;
      type: string;
      offset: number;
      length: number;
      text?: string;
    };
    if (event.type === 'output') event.text = log.toString('utf8', event.offset, event.offset + event.length);
    seen++;
  }
  if (seen !== EVENTS) throw new Error(`read ${seen} events of ${EVENTS}`);
}

/** A finished run's events.jsonl and logs/stdout.log, as the daemon writes them. */
async function writeFixture(runDir: string): Promise<void> {
  await mkdir(join(runDir, 'logs'), { recursive: true });
  const events = createWriteStream(join(runDir, 'events.jsonl'));
  const stdout = createWriteStream(join(runDir, 'logs/stdout.log'));
  const time = new Date(0).toISOString();
  let offset = 0;
  let batch: string[] = [];
  let printed = '';
  for (let seq = 1; seq <= EVENTS; seq++) {
    if (seq % OUTPUT_EVERY === 0) {
      batch.push(
        JSON.stringify({ seq, time, type: 'output', stream: 'stdout', offset, length: LINE.length }),
      );
      printed += LINE;
      offset += LINE.length;
    } else {
      batch.push(
        JSON.stringify({ seq, time, type: 'progress', progress: seq / EVENTS, message: `step ${seq}` }),
      );
    }
    if (batch.length === 10_000 || seq === EVENTS) {
      const full = [
        events.write(`${batch.join('\n')}\n`) ? null : events,
        stdout.write(printed) ? null : stdout,
      ];
      batch = [];
      printed = '';
      // Listened for at once: a stream that drains while the other is awaited must not be missed.
      await Promise.all(full.flatMap((stream) => (stream ? [once(stream, 'drain')] : [])));
    }
  }
  events.end();
  stdout.end();
  await Promise.all([once(events, 'close'), once(stdout, 'close')]);
}
