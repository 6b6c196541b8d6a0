// The bearer token: created once in the state directory (or the cluster's), kept private (0600), compared in
// constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { TOKEN_FILE } from '../schema/transport.js';
import { StartFailure } from '../schema/start-failure.js';
import type { NodeTable } from '../store/store.js';

// A token put there by hand (one shared by several nodes, say) need not be ours, but a browser must be able
// to offer it in a subprotocol name: HTTP token characters only (RFC 9110 §5.6.2), and long enough to guess
// no sooner than ours.
const TOKEN_SHAPE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{32,512}$/;

/**
 * Reads `<stateDir>/token`, creating a 32-byte hex token on first start. The file is always left with
 * mode 0600: one put there by hand or copied from another node (0644, 0666) is made private before
 * its token is used. A file that holds no token is refused, never replaced: a new token would lock out
 * every client and node that was given the old one, with nothing to tell them why.
 */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const token = await readToken(stateDir);
  if (token !== undefined) return token;
  const created = newToken();
  await writeToken(stateDir, created);
  return created;
}

/**
 * The token of a cluster whose nodes share `table`: the one it has, else this node's own (its file's, or
 * a new one) becomes it. Either way `<stateDir>/token` holds it after, so the CLI and SDK find it as on
 * one machine. A file that holds another token stops the start rather than being overwritten: clients
 * given that token would be locked out with nothing to tell them why.
 */
export async function settleClusterToken(stateDir: string, table: NodeTable): Promise<string> {
  const own = await readToken(stateDir);
  const token = await table.settleToken(own ?? newToken());
  if (own === token) return token;
  if (own !== undefined)
    throw new StartFailure(
      'cluster_token_mismatch',
      `${join(stateDir, TOKEN_FILE)} holds a token other than the cluster's (kept in its database): delete ` +
        "the file to have the cluster's written there, or put the cluster's token in it",
    );
  await writeToken(stateDir, token);
  return token;
}

/** The token in `<stateDir>/token`, made private first; undefined when there is no file. */
async function readToken(stateDir: string): Promise<string | undefined> {
  const path = join(stateDir, TOKEN_FILE);
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // Through the open file, so the mode changed is that of the file read.
    if (((await file.stat()).mode & 0o777) !== 0o600) await file.chmod(0o600);
    const token = (await file.readFile('utf8')).trim();
    if (TOKEN_SHAPE.test(token)) return token;
    throw new StartFailure(
      'token_file_invalid',
      `${path} holds no token (32 to 512 characters of A-Z a-z 0-9 !#$%&'*+-.^_\`|~ on one line): ` +
        'fix it, or delete it to have a new token created',
    );
  } finally {
    await file.close();
  }
}

const newToken = () => randomBytes(32).toString('hex');

const writeToken = (stateDir: string, token: string) =>
  writeFileAtomic(join(stateDir, TOKEN_FILE), `${token}\n`, 0o600);

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Equal-length digests make the comparison constant-time whatever the presented length. */
export const tokenMatches = (expected: string, presented: string | undefined) =>
  presented !== undefined && timingSafeEqual(digest(expected), digest(presented));
