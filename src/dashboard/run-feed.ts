// A run's live output and events for the page: the SDK's follow delivers each event once across
// reconnects; the log files fill in what came before (only the last PREFETCH_BYTES) and any range the
// events skipped. Byte offsets keep the two from overlapping.
import type { FollowedOutputEvent, RunEvent, RunyardClient } from '../client/browser.js';
import { LogTail } from './log-tail.js';

type Stream = 'stdout' | 'stderr';

/** How much of a log is read to fill the tail; anything before is skipped with a mark. */
export const PREFETCH_BYTES = 256 * 1024;
const READ_BYTES = 65_536;
const utf8 = new TextDecoder();

export class RunFeed {
  readonly tails: Record<Stream, LogTail> = { stdout: new LogTail(), stderr: new LogTail() };
  /** Events other than output, as they happen. */
  readonly events: RunEvent[] = [];
  readonly #next: Record<Stream, number> = { stdout: 0, stderr: 0 };
  readonly #client: RunyardClient;
  readonly #runId: string;

  constructor(client: RunyardClient, runId: string) {
    this.#client = client;
    this.#runId = runId;
  }

  /** Follows the run until its end or the signal, calling onChange after each event. */
  async follow(signal: AbortSignal, onChange: (event: RunEvent | undefined) => void): Promise<void> {
    const filled = Promise.all([this.#fill('stdout'), this.#fill('stderr')]).then(() => onChange(undefined));
    for await (const event of this.#client.run.follow(this.#runId, { signal })) {
      await filled;
      if (event.type === 'output') await this.#output(event);
      else this.events.push(event);
      onChange(event);
    }
    await filled;
  }

  async #output(event: FollowedOutputEvent): Promise<void> {
    const { stream, offset, length } = event;
    if (offset + length <= this.#next[stream]) return; // the log read had it already
    if (offset > this.#next[stream]) await this.#fill(stream, offset);
    // The overlap is in bytes: cut from the bytes themselves, which text encoded again is not when the
    // run wrote invalid UTF-8.
    const overlap = this.#next[stream] - offset;
    this.tails[stream].append(overlap > 0 ? utf8.decode(event.bytes.subarray(overlap)) : event.text);
    this.#next[stream] = offset + length;
  }

  /** Reads the log from where the tail is up to `end` (default: its current end), at most PREFETCH_BYTES. */
  async #fill(stream: Stream, end?: number): Promise<void> {
    const ask = (offset: number, limit: number) =>
      this.#client.run.logs({ runId: this.#runId, stream, offset, limit });
    const until = end ?? (await ask(this.#next[stream], 1)).size;
    let offset = Math.max(this.#next[stream], until - PREFETCH_BYTES);
    if (offset > this.#next[stream])
      this.tails[stream].mark(`… ${offset - this.#next[stream]} bytes not shown …`);
    while (offset < until) {
      const chunk = await ask(offset, Math.min(READ_BYTES, until - offset));
      if (chunk.nextOffset <= offset) break;
      this.tails[stream].append(chunk.text);
      offset = chunk.nextOffset;
    }
    this.#next[stream] = Math.max(this.#next[stream], offset);
  }
}
