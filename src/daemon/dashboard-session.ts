// The dashboard's session: a stateless cookie `<expiry>.<HMAC-SHA256(token, "<port>:<expiry>")>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a login lasts: a working day. There is no per-session revoke; a new token revokes them all. */
export const SESSION_MAX_AGE_S = 43_200;

/** Cookies are not kept apart by port: the name keeps two daemons on one host from overwriting each other's. */
export const sessionCookieName = (port: number) => `runyard_session_${port}`;

// Keyed by the token, so a new token (a new state directory, a replaced token file) ends every session.
const macOf = (token: string, port: number, expiry: string) =>
  createHmac('sha256', token).update(`${port}:${expiry}`).digest();

/** The Set-Cookie value of a new session: HttpOnly (no script reads it), SameSite=Strict (no CSRF). */
export function sessionSetCookie(token: string, port: number, nowMs = Date.now()): string {
  const expiry = String(Math.floor(nowMs / 1000) + SESSION_MAX_AGE_S);
  const value = `${expiry}.${macOf(token, port, expiry).toString('base64url')}`;
  return `${sessionCookieName(port)}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MAX_AGE_S}`;
}

/** The session cookie's value in a Cookie header, or undefined when there is none. */
export function sessionCookie(cookieHeader: string | undefined, port: number): string | undefined {
  const prefix = `${sessionCookieName(port)}=`;
  return (cookieHeader ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .find((pair) => pair.startsWith(prefix))
    ?.slice(prefix.length);
}

/** True for a cookie this daemon's token signed for this port that has not expired. */
export function sessionValid(token: string, port: number, value: string, nowMs = Date.now()): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const [, expiry = '', mac = ''] = match;
  if (Number(expiry) * 1000 <= nowMs) return false;
  return timingSafeEqual(Buffer.from(mac, 'base64url'), macOf(token, port, expiry));
}
