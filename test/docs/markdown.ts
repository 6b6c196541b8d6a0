// Reads fenced code blocks, and the HTML-comment markers that label them, out of a markdown file.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const readDoc = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

export interface FencedBlock {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface Marker {
  /** The comment's text without `<!--` and `-->`, e.g. `request repeat=101`. */
  text: string;
  line: number;
  /** The fenced block that follows the marker, with only blank lines between; undefined when none does. */
  block: FencedBlock | undefined;
}

const FENCE = /^(\s*)```(\S*)\s*$/;
const COMMENT = /^\s*<!--\s*(.*?)\s*-->\s*$/;

export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE.exec(lines[index]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let close = index + 1;
    while (close < lines.length && !/^\s*```\s*$/.test(lines[close]!))
      body.push(lines[close++]!.slice(indent));
    blocks.push({ lang: open[2]!, text: body.join('\n'), line: index + 1 });
    index = close;
  }
  return blocks;
}

/** Every HTML comment on a line of its own, in document order, with the block it labels. */
export function markers(markdown: string): Marker[] {
  const lines = markdown.split('\n');
  const blocksByLine = new Map(fencedBlocks(markdown).map((block) => [block.line, block]));
  const found: Marker[] = [];
  lines.forEach((line, index) => {
    const comment = COMMENT.exec(line);
    if (!comment) return;
    let next = index + 1;
    while (next < lines.length && lines[next]!.trim() === '') next++;
    found.push({ text: comment[1]!, line: index + 1, block: blocksByLine.get(next + 1) });
  });
  return found;
}

/** The `→` comments of an example (after `//` or `#`): what it prints, line by line. */
export const printed = (example: string, comment: string) =>
  example
    .split('\n')
    .map((line) => new RegExp(`${comment} → (.*)$`).exec(line)?.[1])
    .filter((text): text is string => text !== undefined)
    .map((text) => `${text}\n`)
    .join('');

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What an example prints (its `→` comments) as a whole-output pattern, `…` standing for any text. */
export const printedPattern = (example: string, comment: string) =>
  new RegExp(
    `^${printed(example, comment)
      .split('\n')
      .map((line) => line.split('…').map(escapeRegExp).join('.*'))
      .join('\n')}$`,
  );
