// The bearer token: created once in the state directory, kept private (0600), compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { TOKEN_FILE } from '../schema/transport.js';

/**
 * Reads `<stateDir>/token`, creating a 32-byte hex token on first start. The file is always left with
 * mode 0600: one put there by hand or copied from another node (0644, 0666) is made private before
 * its token is used.
 */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const path = join(stateDir, TOKEN_FILE);
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (file) {
    try {
      // Through the open file, so the mode changed is that of the file read.
      if (((await file.stat()).mode & 0o777) !== 0o600) await file.chmod(0o600);
      const token = (await file.readFile('utf8')).trim();
      if (/^[0-9a-f]{64}$/.test(token)) return token;
    } finally {
      await file.close();
    }
  }
  const token = randomBytes(32).toString('hex');
  await writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Equal-length digests make the comparison constant-time whatever the presented length. */
export const tokenMatches = (expected: string, presented: string | undefined) =>
  presented !== undefined && timingSafeEqual(digest(expected), digest(presented));
