// Node only: where the daemon listens and its token, from the options, the environment or the state directory.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectOptions } from './client.js';
import { ConnectError } from './errors.js';
import { DAEMON_FILE, DEFAULT_STATE_DIR, STATE_DIR_ENV, TOKEN_FILE } from './generated.js';
import { findStateDir } from './state-dir.js';

export async function locateDaemon(options: ConnectOptions): Promise<{ url: string; token: string }> {
  const { env } = process;
  let url = options.url ?? env.RUNYARD_URL;
  let token = options.token ?? env.RUNYARD_TOKEN;
  if (url && token) return { url, token };
  const stateDir = options.stateDir ?? env[STATE_DIR_ENV] ?? (await findStateDir(process.cwd()));
  if (stateDir === undefined) {
    throw new ConnectError(
      `no runyard daemon found: no ${DEFAULT_STATE_DIR} directory here or in any parent (start one with \`runyard serve\`)`,
      'no_daemon',
    );
  }
  if (!url) {
    const infoPath = join(stateDir, DAEMON_FILE);
    try {
      url = (JSON.parse(await readFile(infoPath, 'utf8')) as { url: string }).url;
    } catch {
      throw new ConnectError(
        `no runyard daemon found: ${infoPath} is missing (start one with \`runyard serve\`)`,
        'no_daemon',
      );
    }
  }
  if (!token) {
    const tokenPath = join(stateDir, TOKEN_FILE);
    try {
      token = (await readFile(tokenPath, 'utf8')).trim();
    } catch {
      throw new ConnectError(
        `cannot read the daemon token at ${tokenPath} (set RUNYARD_TOKEN or pass { token })`,
        'no_token',
      );
    }
  }
  return { url, token };
}
