// Binary output frames (docs/protocol.md, "Binary output frames"): a run.event notification whose output
// event carries its bytes as they are instead of text. The text is decoded only when it is read, so a
// consumer of bytes pays no decode.
import type { RunEvent } from './generated.js';

/** An output event as run.follow gives it: `bytes`, the chunk as the run wrote it, and `text` decoded from them. */
export type FollowedOutputEvent = Extract<RunEvent, { type: 'output' }> & { readonly bytes: Uint8Array };
/** An event of run.follow: a RunEvent, whose output events also carry their bytes. */
export type FollowedEvent = Exclude<RunEvent, { type: 'output' }> | FollowedOutputEvent;

const LENGTH_BYTES = 4;
// Not fatal: a chunk of invalid UTF-8 reads as the daemon's JSON text does, with U+FFFD.
const utf8 = new TextDecoder();

/** The notification a binary frame holds; undefined for a frame that is not one (a daemon never sends that). */
export function readOutputFrame(
  data: ArrayBuffer | ArrayBufferView,
): { method: string; params: unknown } | undefined {
  const frame =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (frame.length < LENGTH_BYTES) return undefined;
  const headerEnd = LENGTH_BYTES + new DataView(frame.buffer, frame.byteOffset).getUint32(0);
  if (headerEnd > frame.length) return undefined;
  let header: { method?: unknown; params?: { event?: unknown } };
  try {
    header = JSON.parse(utf8.decode(frame.subarray(LENGTH_BYTES, headerEnd))) as typeof header;
  } catch {
    return undefined;
  }
  if (!header || typeof header.method !== 'string') return undefined;
  const event = header.params?.event;
  if (!event || typeof event !== 'object') return undefined;
  header.params!.event = withBytes(event as Extract<RunEvent, { type: 'output' }>, frame.subarray(headerEnd));
  return { method: header.method, params: header.params };
}

/**
 * `fields` with `bytes`, and `text` decoded from them on first read. `bytes` is not enumerable, so that
 * JSON.stringify(event) is still the event as JSON text gives it (`runyard run --json` prints that).
 */
function withBytes(
  fields: Omit<FollowedOutputEvent, 'text' | 'bytes'>,
  bytes: Uint8Array,
): FollowedOutputEvent {
  let text: string | undefined;
  const event = {
    ...fields,
    get text() {
      return (text ??= utf8.decode(bytes));
    },
  };
  return Object.defineProperty(event, 'bytes', { value: bytes }) as FollowedOutputEvent;
}
