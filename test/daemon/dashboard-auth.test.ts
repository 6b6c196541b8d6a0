// Logging in to the dashboard: a one-time code for a session cookie that admits only the daemon's own origin.
import t from 'tap';
import { openRawSocket, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpBase, httpRequest } from '../helpers/http.js';
import { eventually } from '../helpers/poll.js';

const INFO = { jsonrpc: '2.0', id: 1, method: 'daemon.info' };

async function loginUrl(daemon: TestDaemon): Promise<string> {
  const client = await daemon.client();
  return (await client.daemon.dashboardLogin()).url;
}

/** The close code of a browser-style handshake (runyard.v1 only, no Authorization) with these headers. */
async function inBandAnswer(daemon: TestDaemon, headers: Record<string, string>) {
  const socket = await openRawSocket(daemon.url, { protocols: ['runyard.v1'], headers });
  const answer = await Promise.race([socket.request(INFO), socket.closed]);
  await socket.close();
  return answer;
}

t.test('dashboard login', async (t) => {
  const daemon = await startDaemon(t);
  const base = httpBase(daemon.url);
  const port = new URL(base).port;
  const own = { origin: base };

  t.test('daemon.dashboardLogin gives a one-time /login/ URL on the daemon, valid for 60 s', async (t) => {
    const client = await daemon.client();
    const before = Date.now();
    const { url, expiresAt } = await client.daemon.dashboardLogin();
    t.match(url, new RegExp(`^${base}/login/[A-Za-z0-9_-]{43}$`));
    t.notMatch(url, /token|\?/);
    const expires = Date.parse(expiresAt);
    t.ok(expires >= before + 59_000 && expires <= Date.now() + 60_000, expiresAt);
  });

  t.test('the code is exchanged for a session cookie and a 303 to /, once', async (t) => {
    const url = await loginUrl(daemon);
    const answer = await httpRequest(url);
    t.equal(answer.status, 303);
    t.equal(answer.headers.location, '/');
    t.equal(answer.headers['cache-control'], 'no-store');
    t.equal(answer.headers['referrer-policy'], 'no-referrer');
    const [cookie] = answer.headers['set-cookie'] ?? [];
    t.match(
      cookie,
      new RegExp(
        `^runyard_session_${port}=\\d+\\.[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200$`,
      ),
    );
    t.notMatch(cookie, daemon.token, 'the cookie is not the token');
    const again = await httpRequest(url);
    t.equal(again.status, 403, 'a reused code is refused');
    t.match(again.body, /run `runyard dashboard` again/);
    t.notOk(again.headers['set-cookie']);
  });

  t.test('a HEAD of the login URL does not use up its code', async (t) => {
    const url = await loginUrl(daemon);
    t.equal((await httpRequest(url, { method: 'HEAD' })).status, 405);
    t.equal((await httpRequest(url)).status, 303);
  });

  t.test('an unknown code is refused', async (t) => {
    const answer = await httpRequest(`${base}/login/${'A'.repeat(43)}`);
    t.equal(answer.status, 403);
  });

  t.test("the cookie admits a token-less handshake from the daemon's own origin only", async (t) => {
    const cookie = (await httpRequest(await loginUrl(daemon))).headers['set-cookie']![0]!.split(';')[0]!;
    t.match(await inBandAnswer(daemon, { ...own, cookie }), { id: 1, result: { url: daemon.url } });
    t.match(
      await inBandAnswer(daemon, { host: `localhost:${port}`, origin: `http://localhost:${port}`, cookie }),
      { id: 1, result: {} },
      'on every allowed Host name, as the page was served',
    );
    t.match(
      await inBandAnswer(daemon, { origin: `http://localhost:${port}`, cookie }),
      { code: 4403 },
      'but an Origin naming another host than the Host asked for is foreign',
    );
    t.same(
      await inBandAnswer(daemon, { origin: 'http://127.0.0.1:1', cookie }),
      { code: 4403, reason: 'Origin not allowed; start the daemon with --allow-origin to permit it' },
      'a foreign origin with the cookie stays refused',
    );
    t.match(await inBandAnswer(daemon, { cookie }), { code: 4401 }, 'no Origin: the cookie is not enough');
    const openrpc = await httpRequest(`${base}/openrpc.json`, {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    t.equal(openrpc.status, 200, 'the page may read /openrpc.json');
  });

  t.test('without a valid session the own origin is refused in band with 4401', async (t) => {
    const [expiry] = /=(\d+)\./
      .exec((await httpRequest(await loginUrl(daemon))).headers['set-cookie']![0]!)!
      .slice(1);
    const forged = [
      `runyard_session_${port}=${expiry}.${'A'.repeat(43)}`,
      `runyard_session_${port}=9999999999.${'A'.repeat(43)}`,
      `runyard_session_${port}=1.${'A'.repeat(43)}`,
      `runyard_session_${port}=garbage`,
      `runyard_session_1=${expiry}.${'A'.repeat(43)}`,
    ];
    t.match(await inBandAnswer(daemon, own), { code: 4401 }, 'no cookie');
    for (const cookie of forged)
      t.match(await inBandAnswer(daemon, { ...own, cookie }), { code: 4401 }, cookie);
    t.match(await inBandAnswer(daemon, { ...own }), { code: 4401 });
    await eventually(() => (/"reason":"bad_session"/.test(daemon.log()) ? true : undefined));
  });

  t.test('the own origin needs the session: a token from it is refused', async (t) => {
    const socket = await openRawSocket(daemon.url, {
      protocols: ['runyard.v1', `runyard.bearer.${daemon.token}`],
      headers: own,
    });
    t.match(await Promise.race([socket.request(INFO), socket.closed]), { code: 4401 });
  });

  t.test('no code, cookie or token reaches the log', async (t) => {
    const url = await loginUrl(daemon);
    const answer = await httpRequest(url);
    await httpRequest(url);
    const cookie = answer.headers['set-cookie']![0]!.split(';')[0]!;
    await inBandAnswer(daemon, { ...own, cookie: `${cookie}x` });
    const unused = await loginUrl(daemon);
    await openRawSocket(unused.replace(/^http:/, 'ws:')).catch(() => undefined);
    await eventually(() => (/"reason":"bad_path"/.test(daemon.log()) ? true : undefined));
    t.notMatch(daemon.log(), unused.split('/login/')[1]!, 'no code of an upgrade to the login path');
    const log = await eventually(() => (/bad_login_code/.test(daemon.log()) ? daemon.log() : undefined));
    t.notMatch(log, url.split('/login/')[1]!, 'no code');
    t.notMatch(log, cookie.split('=')[1]!.split('.')[1]!, 'no cookie');
    t.notMatch(log, daemon.token, 'no token');
  });
});
