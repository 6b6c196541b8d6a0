// What the dashboard makes of text it is given: markdown reports without live HTML, commands split
// like a shell would, label filters.
import t from 'tap';
import { renderMarkdown } from '../../src/dashboard/markdown.js';
import { parseLabels } from '../../src/dashboard/run-search.js';
import { joinCommand, splitCommand } from '../../src/dashboard/split-command.js';

t.test('markdown renders, and raw HTML in it is shown as text', async (t) => {
  const out = renderMarkdown('# Title\n\n*hi* <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n');
  t.match(out, /<h1[^>]*>Title<\/h1>/);
  t.match(out, /<em>hi<\/em>/);
  t.notMatch(out, /<script|<img/i);
  t.match(out, /&#60;script&#62;/);
});

t.test('links keep safe schemes only; images are not loaded', async (t) => {
  t.match(renderMarkdown('[ok](https://example.com/a)'), /<a href="https:\/\/example.com\/a"/);
  t.match(renderMarkdown('[rel](other.md)'), /<a href="other.md"/);
  const unsafe = renderMarkdown('[x](javascript:alert(1)) [y](data:text/html,hi)');
  t.notMatch(unsafe, /<a /);
  t.notMatch(renderMarkdown('![pic](https://example.com/p.png)'), /<img/);
});

t.test('a command splits into argv as a shell would, without a shell', async (t) => {
  t.same(splitCommand(`  echo "a b" 'c\\d' e\\ f ""  `), ['echo', 'a b', 'c\\d', 'e f', '']);
  t.same(splitCommand('sh -c "echo \\"hi\\""'), ['sh', '-c', 'echo "hi"']);
  t.same(splitCommand('   '), []);
  const argv = ['sh', '-c', `echo 'it''s' "x"`, 'a b', ''];
  t.same(splitCommand(joinCommand(argv)), argv, 'joinCommand reads back the same');
  t.equal(joinCommand(['make', 'test']), 'make test');
});

t.test('a label filter reads key=value pairs and nothing else', async (t) => {
  t.same(parseLabels('suite=smoke, team=a=b'), { suite: 'smoke', team: 'a=b' });
  t.equal(parseLabels('make test'), undefined);
  t.equal(parseLabels(''), undefined);
});
