// The last lines of one output stream, bounded in lines and characters, so a run that writes 200 MB
// never makes the page hold more than the tail. Lines are ANSI-parsed as they arrive.
import { AnsiParser, type Segment } from './ansi.js';

export const TAIL_MAX_LINES = 2000;
export const TAIL_MAX_CHARS = 1_000_000;

export interface TailLine {
  /** Position of the line in the stream, counted from the first line the tail saw: a stable key. */
  id: number;
  segments: Segment[];
}

export class LogTail {
  readonly #parser = new AnsiParser();
  readonly #lines: TailLine[] = [];
  #open: Segment[] = [];
  #chars = 0;
  #nextId = 0;
  /** A carriage return at the end of the last chunk: a newline may follow in the next one. */
  #carriageReturn = false;
  /** Lines dropped from the top to keep within the bounds. */
  dropped = 0;

  append(text: string): void {
    for (const segment of this.#parser.parse(text)) {
      const parts = segment.text.split('\n');
      parts.forEach((part, index) => {
        if (index > 0) this.#closeLine();
        this.#write({ ...segment, text: part });
      });
    }
    this.#trim();
  }

  /** A line of the tail's own (a skipped range), shown in its own style. */
  mark(text: string): void {
    if (this.#open.length > 0) this.#closeLine();
    this.#open = [{ text, classes: 'tail-mark' }];
    this.#closeLine();
    this.#trim();
  }

  /** The finished lines and the line being written. */
  lines(): TailLine[] {
    const open = this.#open.length > 0 ? [{ id: this.#nextId, segments: this.#open }] : [];
    return [...this.#lines, ...open];
  }

  // A lone \r (a progress bar redrawing its line) starts the line again; \r\n is a newline.
  #write(segment: Segment): void {
    segment.text.split('\r').forEach((piece, index) => {
      if (index > 0) this.#carriageReturn = true;
      if (piece === '') return;
      if (this.#carriageReturn) {
        for (const written of this.#open) this.#chars -= written.text.length;
        this.#open = [];
        this.#carriageReturn = false;
      }
      this.#open.push({ ...segment, text: piece });
      this.#chars += piece.length;
    });
  }

  #closeLine(): void {
    this.#carriageReturn = false;
    this.#lines.push({ id: this.#nextId++, segments: this.#open });
    this.#open = [];
  }

  #trim(): void {
    while (this.#lines.length > 0 && (this.#lines.length > TAIL_MAX_LINES || this.#chars > TAIL_MAX_CHARS)) {
      const line = this.#lines.shift()!;
      for (const segment of line.segments) this.#chars -= segment.text.length;
      this.dropped++;
    }
  }
}
