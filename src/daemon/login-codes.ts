// One-time login codes for the dashboard: issued to a token holder, exchanged once for a session cookie.
import { createHash, randomBytes } from 'node:crypto';

/** Long enough to open a browser and follow a link; short enough that a code seen in passing is stale. */
export const LOGIN_CODE_TTL_MS = 60_000;
/** A token holder asking in a loop cannot make the daemon hold more than this many. */
export const MAX_OUTSTANDING_CODES = 1000;

const hashOf = (code: string) => createHash('sha256').update(code).digest('base64url');

/**
 * Only each code's SHA-256 is kept, so a heap dump or a debugger shows no code that still works. A code
 * is removed the moment it is presented, valid or not, so it cannot be tried twice.
 */
export class LoginCodes {
  readonly #expiries = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A fresh code: 32 random bytes, base64url. At the limit the oldest outstanding code is dropped. */
  issue(): { code: string; expiresAt: number } {
    const now = this.#now();
    for (const [hash, expiresAt] of this.#expiries) if (expiresAt <= now) this.#expiries.delete(hash);
    // A Map iterates in insertion order: its first key is the oldest code.
    if (this.#expiries.size >= MAX_OUTSTANDING_CODES)
      this.#expiries.delete(this.#expiries.keys().next().value!);
    const code = randomBytes(32).toString('base64url');
    const expiresAt = now + LOGIN_CODE_TTL_MS;
    this.#expiries.set(hashOf(code), expiresAt);
    return { code, expiresAt };
  }

  /** True once for a code issued less than LOGIN_CODE_TTL_MS ago; false for a reused, expired or unknown one. */
  redeem(code: string): boolean {
    const hash = hashOf(code);
    const expiresAt = this.#expiries.get(hash);
    this.#expiries.delete(hash);
    return expiresAt !== undefined && this.#now() < expiresAt;
  }

  get outstanding(): number {
    return this.#expiries.size;
  }
}
