// Keeps V8's young generation at its initial size while `runyard serve` loads and starts.
import { setFlagsFromString } from 'node:v8';

// V8's own default; a user who sets the factor (NODE_OPTIONS, node flags) keeps theirs throughout.
const GROWTH_FLAG = 'semi-space-growth-factor';
const DEFAULT_GROWTH = 2;

let held = false;

/**
 * Start-up allocates ~30 MB that dies at once (the ESM loader resolving ~400 modules), and so much of
 * what it keeps survives each scavenge that V8 doubles the young generation three times, to 16 MB of
 * semi-spaces, and keeps them: an idle daemon allocates nothing that would shrink them again, and the
 * memory reducer did not run in 25 s of idleness. A growth factor of 1 while loading keeps them at their
 * initial 1 MB (what survives is promoted to old space, where it lives anyway). Must be called before the
 * daemon's modules are imported: loading them is where the garbage is made. The flag is read at each
 * scavenge, so setting it after V8 started is safe.
 */
export function holdYoungGeneration(): void {
  const userSet = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) =>
    arg.replaceAll('_', '-').includes(GROWTH_FLAG),
  );
  if (userSet) return;
  setFlagsFromString(`--${GROWTH_FLAG}=1`);
  held = true;
}

/** V8's default again once the daemon serves, so load grows the young generation as it always did. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  setFlagsFromString(`--${GROWTH_FLAG}=${DEFAULT_GROWTH}`);
  held = false;
}
