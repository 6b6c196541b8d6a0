// retained.readArtifact in chunks: at most 1 MiB per call, reassembling to the very bytes on disk.
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { RpcError } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';

const MiB = 1_048_576;
const daemon = await startDaemon(t);
const client = await daemon.client();
// A few MiB that are not a multiple of the chunk size, written by the run itself.
const bytes = randomBytes(3 * MiB + 12_345);
const source = join(daemon.home, 'payload.bin');
await writeFile(source, bytes);
const started = await client.run.start({ argv: ['cp', source, 'artifacts/payload.bin'] });
const run = await client.run.wait({ runId: started.runId, timeoutMs: 20_000 });
const sha256 = createHash('sha256').update(bytes).digest('hex');

async function readAll(length?: number) {
  const hash = createHash('sha256');
  const chunks: { offset: number; length: number; eof: boolean }[] = [];
  let offset = 0;
  for (;;) {
    const chunk = await client.retained.readArtifact({
      runId: run.runId,
      path: 'artifacts/payload.bin',
      offset,
      ...(length ? { length } : {}),
    });
    const data = Buffer.from(chunk.data, 'base64');
    t.equal(data.length, chunk.length, 'length counts the bytes in data');
    t.equal(chunk.size, bytes.length, 'size is the whole file');
    hash.update(data);
    chunks.push({ offset: chunk.offset, length: chunk.length, eof: chunk.eof });
    if (chunk.eof) break;
    offset = chunk.nextOffset;
  }
  return { sha256: hash.digest('hex'), chunks };
}

t.test('chunks of the default size reassemble to the file the manifest describes', async (t) => {
  const { sha256: read, chunks } = await readAll();
  t.equal(read, sha256, 'the reassembled bytes have the sha256 of the original');
  t.same(
    chunks.map((chunk) => chunk.length),
    [MiB, MiB, MiB, 12_345],
    'every call but the last carries 1 MiB',
  );
  t.same(
    chunks.map((chunk) => chunk.eof),
    [false, false, false, true],
  );
  const manifest = await client.retained.artifactManifest({ runId: run.runId });
  t.same(manifest.artifacts, [
    { path: 'artifacts/payload.bin', size: bytes.length, sha256, mediaType: 'application/octet-stream' },
  ]);
});

t.test('odd chunk sizes reassemble to the same bytes', async (t) => {
  const { sha256: read, chunks } = await readAll(700_001);
  t.equal(read, sha256);
  t.equal(chunks.length, Math.ceil(bytes.length / 700_001));
});

t.test('a read at or past the end is empty and says eof', async (t) => {
  for (const offset of [bytes.length, bytes.length + 10]) {
    const chunk = await client.retained.readArtifact({
      runId: run.runId,
      path: 'artifacts/payload.bin',
      offset,
    });
    t.match(chunk, { offset, length: 0, nextOffset: offset, eof: true, data: '' });
  }
});

t.test('more than 1 MiB in one call is refused by the schema', async (t) => {
  const error = await client.retained
    .readArtifact({ runId: run.runId, path: 'artifacts/payload.bin', length: MiB + 1 })
    .catch((caught: unknown) => caught);
  t.ok(error instanceof RpcError);
  t.match(error, { code: -32602, reason: 'invalid_params' });
});
