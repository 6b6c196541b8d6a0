// The bearer token: created once in the state directory, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { TOKEN_FILE } from '../schema/transport.js';

/** Reads `<stateDir>/token`, creating a 32-byte hex token (file mode 0600) on first start. */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const path = join(stateDir, TOKEN_FILE);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(token)) return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('hex');
  await writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Equal-length digests make the comparison constant-time whatever the presented length. */
export const tokenMatches = (expected: string, presented: string | undefined) =>
  presented !== undefined && timingSafeEqual(digest(expected), digest(presented));
