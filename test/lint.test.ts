// The linter runs in npm test; this checks it would catch what review misses, not just that it runs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const fixture = 'test/fixtures/lint/review-misses.ts';

t.test(
  'npm run lint fails on a floating promise, a misused promise and a non-exhaustive switch',
  async (t) => {
    const failed = await run(process.execPath, [
      'node_modules/eslint/bin/eslint.js',
      '--no-ignore',
      fixture,
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    t.ok(failed, 'eslint exits non-zero');
    t.equal(failed?.code, 1);
    for (const rule of ['no-floating-promises', 'no-misused-promises', 'switch-exhaustiveness-check']) {
      t.match(failed?.stdout, `@typescript-eslint/${rule}`, rule);
    }
  },
);
