// Allowed origins: a value that can never equal an Origin header is refused, with what was expected.
import t from 'tap';
import { allowOriginProblem, splitOrigins } from '../../src/daemon/allow-origin.js';

t.test(
  'values that can never match an Origin are refused, naming the value and the expected form',
  async (t) => {
    const refused: [string, RegExp][] = [
      ['http://127.0.0.1:18931/', /ends with a slash/],
      ['127.0.0.1:18931', /no scheme/],
      ['*', /wildcards/],
      ['https://*.example.com', /wildcards/],
      ['HTTP://127.0.0.1:18931', /lowercase/],
      ['http://LOCALHOST:5173', /a browser sends it as http:\/\/localhost:5173/],
      ['http://localhost:80', /a browser sends it as http:\/\/localhost;/],
      ['https://example.com/app', /no path/],
      ['http://localhost:5173?x=1', /no path, query/],
      ['http://user@localhost', /user name/],
      ['http://localhost:99999', /not a valid URL/],
      ['null', /"null" Origin/],
      ['vscode-webview://Trusted', /lowercase/],
      ['file://', /no host/],
      ['', /no scheme/],
    ];
    for (const [value, why] of refused) {
      const problem = allowOriginProblem(value);
      t.match(problem, why, `${JSON.stringify(value)}: ${problem}`);
      t.match(problem, `${JSON.stringify(value)} can never match an Origin`);
      t.match(problem, 'expected scheme://host[:port]');
    }
  },
);

t.test('origins as browsers send them are accepted', async (t) => {
  for (const value of [
    'http://localhost:5173',
    'http://127.0.0.1:18931',
    'https://example.com',
    'https://[::1]:8443',
    'http://xn--bcher-kva.example',
    'vscode-webview://trusted',
    'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
  ])
    t.equal(allowOriginProblem(value), undefined, value);
});

t.test('a comma-separated list is split and trimmed, blanks dropped', async (t) => {
  t.same(splitOrigins(' http://a.example, https://b.example ,,'), ['http://a.example', 'https://b.example']);
  t.same(splitOrigins(''), []);
});
