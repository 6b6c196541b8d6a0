// Copying an output pipe into its log: every byte on disk and reported once, in order, in few large events.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { copyOutput } from '../../src/runs/output-copy.js';
import { runFileLimits } from '../../src/schema/run-dir.js';
import { tempDir } from '../helpers/fs.js';

const PIECE = 65_536;

function recorder() {
  const chunks: { offset: number; bytes: Buffer }[] = [];
  const failures: Error[] = [];
  return {
    chunks,
    failures,
    sink: {
      chunk: (offset: number, bytes: Buffer) => chunks.push({ offset, bytes: Buffer.from(bytes) }),
      failed: (error: Error) => failures.push(error),
    },
  };
}

t.test('a burst of output becomes a few events that hold every byte in order', async (t) => {
  const path = join(await tempDir(t, 'output-copy'), 'stdout.log');
  const source = new PassThrough();
  const { chunks, failures, sink } = recorder();
  const copied = copyOutput(source, path, 0, sink);
  const written: Buffer[] = [];
  // 64 pipe reads' worth in one go, as a fast writer delivers them while an append is on its way to disk.
  for (let piece = 0; piece < 64; piece++) {
    const bytes = Buffer.alloc(PIECE, `${piece % 10}`);
    written.push(bytes);
    source.write(bytes);
  }
  source.end();
  const size = await copied;
  const all = Buffer.concat(written);
  t.equal(size, all.length, 'the size of the log is returned');
  t.same(failures, []);
  t.ok(chunks.length <= 8, `4 MiB arrived in ${chunks.length} events, not one per 64 KiB`);
  let next = 0;
  for (const { offset, bytes } of chunks) {
    t.equal(offset, next, 'each event starts where the one before ended');
    t.ok(bytes.length <= runFileLimits.eventLine, 'no event is larger than a reader accepts');
    next += bytes.length;
  }
  t.ok(Buffer.concat(chunks.map(({ bytes }) => bytes)).equals(all), 'the events hold every byte in order');
  t.ok((await readFile(path)).equals(all), 'the log holds every byte');
});

t.test(
  'output appended to an existing log is reported at its offset, never splitting a character',
  async (t) => {
    const path = join(await tempDir(t, 'output-copy'), 'stdout.log');
    await writeFile(path, 'earlier attempt\n');
    const source = new PassThrough();
    const { chunks, sink } = recorder();
    const copied = copyOutput(source, path, 16, sink);
    const text = '€uro ✓ '.repeat(5_000);
    const bytes = Buffer.from(text);
    // Pieces of 7,001 bytes, each a moment apart: appends end inside three-byte characters again and again.
    for (let at = 0; at < bytes.length; at += 7_001) {
      source.write(bytes.subarray(at, at + 7_001));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    source.end();
    t.equal(await copied, 16 + bytes.length);
    t.equal(chunks[0]!.offset, 16, 'the first event starts after what the log held');
    for (const { bytes: chunk } of chunks)
      t.notOk(chunk.toString('utf8').includes('\uFFFD'), 'every event is whole characters');
    t.equal(chunks.map(({ bytes: chunk }) => chunk.toString('utf8')).join(''), text);
    t.equal(await readFile(path, 'utf8'), `earlier attempt\n${text}`);
  },
);

t.test('a log that cannot be opened is reported failed and the pipe is drained', async (t) => {
  const dir = await tempDir(t, 'output-copy');
  const source = new PassThrough();
  const { chunks, failures, sink } = recorder();
  // A directory where the log should be: the open fails.
  const copied = copyOutput(source, dir, 0, sink);
  source.end(Buffer.alloc(PIECE * 4));
  t.equal(await copied, 0);
  t.equal(chunks.length, 0, 'nothing is reported as on disk');
  t.equal(failures.length, 1, 'the failure is reported once');
});
