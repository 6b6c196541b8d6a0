// output: 200 MB of stdout to disk and to one live subscriber, vs the same bytes through a pipe to a file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { connect, type RunyardClient } from 'runyard/client';
import { startBenchDaemon } from './daemon.js';
import { formatRate, formatRatio, higherIsBetter, median, verdict, type BenchRow } from './table.js';

const EMIT = fileURLToPath(new URL('./emit-output.js', import.meta.url));
const BYTES = 200_000_000;
const ROUNDS = 2;
const TARGET_RATIO = 0.8;

export async function run(): Promise<BenchRow[]> {
  const daemon = await startBenchDaemon();
  try {
    const client = await connect({ url: daemon.url, token: daemon.token });
    try {
      const ours: number[] = [];
      const theirs: number[] = [];
      let expected: string | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        const piped = await throughPipe(join(daemon.home, `baseline-${round}.log`));
        theirs.push(piped.rate);
        expected ??= piped.sha256;
        if (piped.sha256 !== expected) throw new Error('the writer is not deterministic');
        const streamed = await throughDaemon(client, daemon.runsDir);
        ours.push(streamed.rate);
        if (streamed.received !== expected)
          throw new Error('the subscriber did not receive every byte in order');
        if (streamed.onDisk !== expected) throw new Error('logs/stdout.log differs from what the run wrote');
      }
      const ratio = higherIsBetter(median(ours), median(theirs));
      return [
        {
          name: 'output: 200 MB stdout to disk + 1 subscriber',
          figure: formatRate(median(ours) / 1e6, 'MB/s'),
          baseline: formatRate(median(theirs) / 1e6, 'MB/s'),
          ratio: formatRatio(ratio),
          target: `ratio >= ${TARGET_RATIO}`,
          note: `${verdict(ratio >= TARGET_RATIO)}; subscriber got every byte in order (sha256 and offsets checked)`,
        },
      ];
    } finally {
      await client.close();
    }
  } finally {
    await daemon.stop();
  }
}

/** Bytes per second from run.start until the subscriber has the end event (the run directory complete). */
async function throughDaemon(client: RunyardClient, runsDir: string) {
  const started = performance.now();
  const { runId } = await client.run.start({ argv: [process.execPath, EMIT, String(BYTES)] });
  const hash = createHash('sha256');
  let next = 0;
  let status: string | undefined;
  for await (const event of client.run.follow(runId, { fromSeq: 1 })) {
    if (event.type === 'output' && event.stream === 'stdout') {
      if (event.offset !== next) throw new Error(`chunk at ${event.offset}, expected ${next}`);
      // The bytes as the run wrote them (binary frames): nothing decoded, nothing encoded again.
      hash.update(event.bytes);
      next += event.bytes.length;
    }
    if (event.type === 'end') status = event.status;
  }
  const elapsed = performance.now() - started;
  if (status !== 'succeeded') throw new Error(`the run ended ${status}`);
  if (next !== BYTES) throw new Error(`the subscriber got ${next} bytes of ${BYTES}`);
  const { runDir } = await client.run.status({ runId });
  if (!runDir.startsWith(runsDir)) throw new Error(`run directory ${runDir} is outside ${runsDir}`);
  const onDisk = await sha256Of(join(runDir, 'logs/stdout.log'));
  await rm(runDir, { recursive: true, force: true });
  return { rate: (BYTES * 1_000) / elapsed, received: hash.digest('hex'), onDisk };
}

/** The baseline: the same writer, its stdout piped into a file by this process. */
async function throughPipe(file: string) {
  const started = performance.now();
  const child = spawn(process.execPath, [EMIT, String(BYTES)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  await pipeline(child.stdout!, createWriteStream(file));
  const [code] = (await exited) as [number | null];
  const elapsed = performance.now() - started;
  if (code !== 0) throw new Error(`the writer exited ${code}`);
  const sha256 = await sha256Of(file);
  await rm(file);
  return { rate: (BYTES * 1_000) / elapsed, sha256 };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
