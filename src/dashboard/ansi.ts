// ANSI SGR escapes (colours, bold, underline) turned into styled segments; any other escape is dropped.
// The state lives across chunks: a colour set in one output event still holds in the next.

export interface Segment {
  text: string;
  /** Class names, e.g. "fg-1 bold". Empty for plain text. */
  classes: string;
  /** A 256-colour or true-colour value that no class names, e.g. { color: 'rgb(1,2,3)' }. */
  style?: { color?: string; backgroundColor?: string };
}

interface Pen {
  fg: number | string | undefined;
  bg: number | string | undefined;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const plainPen = (): Pen => ({
  fg: undefined,
  bg: undefined,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
});

// An escape, complete (CSI ... final byte, or OSC ... BEL/ST) or cut off at the end of the chunk.
const ESCAPE = /\x1b(?:\[([0-9;:?]*)([\x40-\x7e])?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)/g;

/** The xterm 256-colour palette beyond the first 16, as CSS. */
function paletteColour(index: number): string {
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return `rgb(${level},${level},${level})`;
  }
  const cube = index - 16;
  const level = (n: number) => (n === 0 ? 0 : 55 + n * 40);
  return `rgb(${level(Math.floor(cube / 36))},${level(Math.floor(cube / 6) % 6)},${level(cube % 6)})`;
}

export class AnsiParser {
  #pen = plainPen();
  /** The start of an escape cut off at the end of the last chunk. */
  #pending = '';

  /** The chunk's text as segments; an escape split across chunks is completed by the next one. */
  parse(chunk: string): Segment[] {
    const input = this.#pending + chunk;
    this.#pending = '';
    const segments: Segment[] = [];
    let from = 0;
    for (const match of input.matchAll(ESCAPE)) {
      const at = match.index;
      if (at > from) segments.push(this.#segment(input.slice(from, at)));
      from = at + match[0].length;
      const isCsi = match[0].startsWith('\x1b[');
      if (from === input.length && (match[0] === '\x1b' || (isCsi && !match[2]))) {
        this.#pending = match[0]; // cut off: wait for the rest
        break;
      }
      if (isCsi && match[2] === 'm') this.#apply(match[1] ?? '');
    }
    if (from < input.length && !this.#pending) segments.push(this.#segment(input.slice(from)));
    return segments;
  }

  #segment(text: string): Segment {
    const pen = this.#pen;
    const [fg, bg] = pen.inverse ? [pen.bg, pen.fg] : [pen.fg, pen.bg];
    const classes: string[] = [];
    const style: NonNullable<Segment['style']> = {};
    if (typeof fg === 'number') classes.push(`fg-${pen.bold && fg < 8 ? fg + 8 : fg}`);
    else if (fg) style.color = fg;
    if (typeof bg === 'number') classes.push(`bg-${bg}`);
    else if (bg) style.backgroundColor = bg;
    if (pen.inverse && fg === undefined) classes.push('inverse');
    for (const flag of ['bold', 'dim', 'italic', 'underline'] as const) if (pen[flag]) classes.push(flag);
    return { text, classes: classes.join(' '), ...(style.color || style.backgroundColor ? { style } : {}) };
  }

  #apply(parameters: string): void {
    const codes = parameters === '' ? [0] : parameters.split(/[;:]/).map((code) => Number(code) || 0);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      const pen = this.#pen;
      if (code === 0) this.#pen = plainPen();
      else if (code === 1) pen.bold = true;
      else if (code === 2) pen.dim = true;
      else if (code === 3) pen.italic = true;
      else if (code === 4) pen.underline = true;
      else if (code === 7) pen.inverse = true;
      else if (code === 22) pen.bold = pen.dim = false;
      else if (code === 23) pen.italic = false;
      else if (code === 24) pen.underline = false;
      else if (code === 27) pen.inverse = false;
      else if (code >= 30 && code <= 37) pen.fg = code - 30;
      else if (code === 39) pen.fg = undefined;
      else if (code >= 40 && code <= 47) pen.bg = code - 40;
      else if (code === 49) pen.bg = undefined;
      else if (code >= 90 && code <= 97) pen.fg = code - 90 + 8;
      else if (code >= 100 && code <= 107) pen.bg = code - 100 + 8;
      else if (code === 38 || code === 48) {
        const [colour, used] = extendedColour(codes, i + 1);
        if (code === 38) pen.fg = colour;
        else pen.bg = colour;
        i += used;
      }
    }
  }
}

/** `5;n` or `2;r;g;b` after a 38 or 48: the colour (a class index when it has one) and the codes used. */
function extendedColour(codes: number[], at: number): [number | string | undefined, number] {
  if (codes[at] === 5) {
    const index = codes[at + 1] ?? 0;
    return [index < 16 ? index : paletteColour(index), 2];
  }
  if (codes[at] === 2) {
    const [r, g, b] = [codes[at + 1] ?? 0, codes[at + 2] ?? 0, codes[at + 3] ?? 0];
    return [`rgb(${r},${g},${b})`, 4];
  }
  return [undefined, 0];
}
