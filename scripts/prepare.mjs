// `npm ci` in a clone builds runyard; with --omit=dev there is no compiler, so it says so and builds nothing.
// Plain JavaScript: it runs before anything is compiled. A production install needs no build at all: the
// packed tarball carries dist (README, "The daemon, for production").
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url).resolve('typescript');
} catch {
  console.log('runyard: dev dependencies are not installed, so nothing is built (a production');
  console.log('install comes from the packed tarball, which carries dist: see the README,');
  console.log('"The daemon, for production")');
  process.exit(0);
}
const npm = process.env.npm_execpath;
const { status } = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: true });
process.exit(status ?? 1);
