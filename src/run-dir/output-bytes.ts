// The bytes of an output event as its log holds them, carried beside its text for subscribers that send
// them as they are (binary frames). Under a symbol key, which JSON.stringify and events.jsonl never see.
import type { RunEvent } from '../schema/run-event.js';

type OutputEvent = Extract<RunEvent, { type: 'output' }>;

const bytesKey = Symbol('runyard.outputBytes');

/**
 * The body of a live output event: `text` is decoded from `bytes` when first read (a JSON subscriber,
 * run.events), never when only binary subscribers and events.jsonl, which stores no text, see it.
 */
export function outputBody(stream: OutputEvent['stream'], offset: number, bytes: Buffer) {
  let text: string | undefined;
  return withOutputBytes(
    {
      type: 'output' as const,
      stream,
      offset,
      length: bytes.length,
      get text() {
        return (text ??= bytes.toString('utf8'));
      },
    },
    bytes,
  );
}

/** Attaches `bytes` to an output event (or the body it is made of: a spread copies it along); returns it. */
export function withOutputBytes<T extends { type: 'output' }>(event: T, bytes: Buffer): T {
  return Object.assign(event, { [bytesKey]: bytes });
}

/**
 * The chunk's bytes as written or read from the log. An event that came by another way has only its
 * text; encoded again, that is the same bytes whenever the log held valid UTF-8.
 */
export function outputBytes(event: OutputEvent): Buffer {
  return (event as { [bytesKey]?: Buffer })[bytesKey] ?? Buffer.from(event.text, 'utf8');
}
