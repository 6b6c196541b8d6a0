// The writer of the output benchmark: prints exactly N bytes of numbered text lines to stdout, fast.
import { writeSync } from 'node:fs';

const total = Number(process.argv[2]);
if (!Number.isSafeInteger(total) || total < 0) throw new Error('usage: emit-output.js BYTES');

// 64 KiB blocks of 64-byte numbered lines: every block differs, so a reordered or lost chunk shows.
const LINE = 64;
const BLOCK = 65_536;
const block = Buffer.alloc(BLOCK);
let written = 0;
let line = 0;
while (written < total) {
  for (let at = 0; at < BLOCK; at += LINE) {
    block.write(
      `${String(line++).padStart(12, '0')} ${'runyard output benchmark '.repeat(2).slice(0, LINE - 14)}\n`,
      at,
    );
  }
  const size = Math.min(BLOCK, total - written);
  // Synchronous writes block on a full pipe: the reader sets the pace, as with any real program.
  for (let offset = 0; offset < size;) offset += writeSome(block, offset, size - offset);
  written += size;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
function writeSome(buffer: Buffer, offset: number, length: number): number {
  try {
    return writeSync(1, buffer, offset, length);
  } catch (error) {
    // A non-blocking pipe that is full: wait a moment for the reader instead of failing.
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    Atomics.wait(pause, 0, 0, 1);
    return 0;
  }
}
