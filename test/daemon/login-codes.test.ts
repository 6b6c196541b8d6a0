// One-time login codes on an injected clock: single use, 60 s, at most 1000 outstanding.
import t from 'tap';
import { LOGIN_CODE_TTL_MS, LoginCodes, MAX_OUTSTANDING_CODES } from '../../src/daemon/login-codes.js';
import { SESSION_MAX_AGE_S, sessionSetCookie, sessionValid } from '../../src/daemon/dashboard-session.js';

const clock = (start = 1_700_000_000_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

t.test('a code is 32 random bytes in base64url and expires 60 s after it was issued', async (t) => {
  const time = clock();
  const codes = new LoginCodes(time.now);
  const { code, expiresAt } = codes.issue();
  t.match(code, /^[A-Za-z0-9_-]{43}$/);
  t.equal(Buffer.from(code, 'base64url').length, 32);
  t.equal(expiresAt, time.now() + LOGIN_CODE_TTL_MS);
  t.not(codes.issue().code, code, 'every code is new');
});

t.test('a code works once', async (t) => {
  const codes = new LoginCodes(clock().now);
  const { code } = codes.issue();
  t.equal(codes.redeem(code), true);
  t.equal(codes.redeem(code), false);
  t.equal(codes.redeem('unknown'), false);
});

t.test('a code presented at its expiry or after is refused, and forgotten', async (t) => {
  const time = clock();
  const codes = new LoginCodes(time.now);
  const early = codes.issue().code;
  const late = codes.issue().code;
  time.advance(LOGIN_CODE_TTL_MS - 1);
  t.equal(codes.redeem(early), true, 'one millisecond before');
  time.advance(1);
  t.equal(codes.redeem(late), false, 'at the expiry');
  t.equal(codes.outstanding, 0);
});

t.test(
  'at most 1000 codes are outstanding: the oldest is dropped first, expired ones are swept',
  async (t) => {
    const time = clock();
    const codes = new LoginCodes(time.now);
    const first = codes.issue().code;
    const second = codes.issue().code;
    for (let i = 2; i < MAX_OUTSTANDING_CODES; i++) codes.issue();
    t.equal(codes.outstanding, MAX_OUTSTANDING_CODES);
    codes.issue();
    t.equal(codes.outstanding, MAX_OUTSTANDING_CODES);
    t.equal(codes.redeem(first), false, 'the oldest went');
    t.equal(codes.redeem(second), true, 'the next one stayed');
    time.advance(LOGIN_CODE_TTL_MS);
    codes.issue();
    t.equal(codes.outstanding, 1, 'the expired were swept');
  },
);

t.test('a session cookie is valid for 12 h, for its token and port only', async (t) => {
  const token = 'a'.repeat(64);
  const now = 1_700_000_000_000;
  const value = /=([^;]+)/.exec(sessionSetCookie(token, 7370, now))![1]!;
  t.equal(sessionValid(token, 7370, value, now), true);
  t.equal(sessionValid(token, 7370, value, now + SESSION_MAX_AGE_S * 1000 - 1000), true);
  t.equal(sessionValid(token, 7370, value, now + SESSION_MAX_AGE_S * 1000), false, 'expired');
  t.equal(sessionValid('b'.repeat(64), 7370, value, now), false, 'a new token ends every session');
  t.equal(sessionValid(token, 7371, value, now), false, 'another port');
  const [expiry, mac] = value.split('.');
  t.equal(sessionValid(token, 7370, `${Number(expiry) + 1}.${mac}`, now), false, 'an expiry moved on');
});
