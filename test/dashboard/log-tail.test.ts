// The dashboard's bounded log tail: lines across chunks, carriage returns, and the bounds.
import t from 'tap';
import { LogTail, TAIL_MAX_CHARS, TAIL_MAX_LINES } from '../../src/dashboard/log-tail.js';

const texts = (tail: LogTail) => tail.lines().map((line) => line.segments.map((s) => s.text).join(''));

t.test('lines split across chunks join, and the open line is shown', async (t) => {
  const tail = new LogTail();
  tail.append('one\ntw');
  tail.append('o\nthr');
  t.same(texts(tail), ['one', 'two', 'thr']);
});

t.test('a lone carriage return redraws the line; \\r\\n is a newline even split in two', async (t) => {
  const tail = new LogTail();
  tail.append('10%\r50%\r');
  tail.append('100%\r');
  tail.append('\ndone\r\n');
  t.same(texts(tail), ['100%', 'done']);
});

t.test('colours carry over a newline', async (t) => {
  const tail = new LogTail();
  tail.append('\x1b[31ma\nb\x1b[0m\n');
  t.same(
    tail.lines().map((line) => line.segments),
    [[{ text: 'a', classes: 'fg-1' }], [{ text: 'b', classes: 'fg-1' }]],
  );
});

t.test('the tail keeps the last lines within its bounds, ids stay stable', async (t) => {
  const tail = new LogTail();
  for (let i = 0; i < TAIL_MAX_LINES + 10; i++) tail.append(`line ${i}\n`);
  const lines = tail.lines();
  t.equal(lines.length, TAIL_MAX_LINES);
  t.equal(texts(tail)[0], 'line 10');
  t.equal(lines[0]!.id, 10);
  t.equal(tail.dropped, 10);
  const wide = new LogTail();
  const line = 'x'.repeat(100_000);
  for (let i = 0; i < 20; i++) wide.append(`${line}\n`);
  t.ok(wide.lines().length * line.length <= TAIL_MAX_CHARS, 'within the character bound');
  t.ok(wide.lines().length >= 9, 'and no shorter than it needs to be');
});

t.test('a mark is a line of its own', async (t) => {
  const tail = new LogTail();
  tail.append('a');
  tail.mark('… skipped …');
  tail.append('b');
  t.same(texts(tail), ['a', '… skipped …', 'b']);
  t.equal(tail.lines()[1]!.segments[0]!.classes, 'tail-mark');
});
