// Files of a retained run read through retained.readArtifact in chunks: as text for the page, or as a
// Blob handed to the browser as a download.
import type { RunyardClient } from '../client/browser.js';

const CHUNK_BYTES = 1_048_576;

function decodeBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The whole file, chunk by chunk; `maxBytes` stops early (a preview), `truncated` says it did. */
export async function readFile(
  client: RunyardClient,
  runId: string,
  path: string,
  maxBytes = Infinity,
): Promise<{ parts: Uint8Array<ArrayBuffer>[]; mediaType: string; truncated: boolean }> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  let read = 0;
  for (;;) {
    const chunk = await client.retained.readArtifact({
      runId,
      path,
      offset,
      length: Math.min(CHUNK_BYTES, maxBytes - read),
    });
    parts.push(decodeBase64(chunk.data));
    read += chunk.length;
    offset = chunk.nextOffset;
    if (chunk.eof) return { parts, mediaType: chunk.mediaType, truncated: false };
    if (read >= maxBytes || chunk.length === 0) return { parts, mediaType: chunk.mediaType, truncated: true };
  }
}

export async function readText(client: RunyardClient, runId: string, path: string, maxBytes: number) {
  const { parts, truncated } = await readFile(client, runId, path, maxBytes);
  return { text: await new Blob(parts).text(), truncated };
}

/** Saves the file through an object URL, revoked once the browser has taken it. */
export async function download(client: RunyardClient, runId: string, path: string): Promise<void> {
  const { parts, mediaType } = await readFile(client, runId, path);
  const url = URL.createObjectURL(new Blob(parts, { type: mediaType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = path.split('/').at(-1)!;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
