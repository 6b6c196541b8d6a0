// The ANSI SGR parser of the dashboard's log tail: colours become classes, state spans chunks, and
// other escapes vanish.
import t from 'tap';
import { AnsiParser } from '../../src/dashboard/ansi.js';

const parse = (...chunks: string[]) => {
  const parser = new AnsiParser();
  return chunks.flatMap((chunk) => parser.parse(chunk));
};

t.test('plain text is one segment without classes', async (t) => {
  t.same(parse('hello'), [{ text: 'hello', classes: '' }]);
});

t.test('colours and attributes become classes, and a reset ends them', async (t) => {
  t.same(parse('\x1b[31mred\x1b[0m \x1b[1;32mbold green\x1b[m'), [
    { text: 'red', classes: 'fg-1' },
    { text: ' ', classes: '' },
    { text: 'bold green', classes: 'fg-10 bold' },
  ]);
  t.same(parse('\x1b[4;44;97mx'), [{ text: 'x', classes: 'fg-15 bg-4 underline' }]);
});

t.test('256 and true colours: low indexes are classes, the rest inline colours', async (t) => {
  t.same(parse('\x1b[38;5;3ma\x1b[38;5;196mb\x1b[48;2;1;2;3mc'), [
    { text: 'a', classes: 'fg-3' },
    { text: 'b', classes: '', style: { color: 'rgb(255,0,0)' } },
    { text: 'c', classes: '', style: { color: 'rgb(255,0,0)', backgroundColor: 'rgb(1,2,3)' } },
  ]);
});

t.test('the pen and an escape cut in two carry over to the next chunk', async (t) => {
  t.same(parse('\x1b[3', '3mye', 'llow\x1b[39m.'), [
    { text: 'ye', classes: 'fg-3' },
    { text: 'llow', classes: 'fg-3' },
    { text: '.', classes: '' },
  ]);
});

t.test('escapes that are not SGR are dropped', async (t) => {
  t.same(parse('a\x1b[2Kb\x1b]0;title\x07c\x1b[?25ld'), [
    { text: 'a', classes: '' },
    { text: 'b', classes: '' },
    { text: 'c', classes: '' },
    { text: 'd', classes: '' },
  ]);
});
