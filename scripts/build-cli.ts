// Bundles the runyard command (dist/src/cli/main.js as tsc emitted it) into dist/cli/runyard.js, the
// package's bin. One file instead of ~400 ES modules: an idle daemon loaded each module's record, source
// and scope for good, ~10 MB of its resident memory (docs/benchmarks.md, "memory"), and every CLI call
// paid ~100 ms more to load them (`runyard run status --help`: 121-151 ms bundled, 207-282 ms as
// modules, six interleaved runs on a loaded machine). What is imported lazily stays lazy: each dynamic
// import is a chunk of its own in dist/cli/chunks/. The npm packages that are native (better-sqlite3)
// or loaded only on demand (pg) stay outside, resolved from node_modules as before.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../../', import.meta.url).pathname;
const target = join(root, 'dist/cli');

await rm(target, { recursive: true, force: true });
await build({
  entryPoints: { runyard: join(root, 'dist/src/cli/main.js') },
  outdir: target,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Stack traces and class names in logs keep the names of the source.
  keepNames: true,
  external: ['better-sqlite3', 'pg', 'runyard/package.json'],
  // Bundled CommonJS (ajv, ws) calls require(), which an ES module has only when it makes one.
  banner: {
    js: "import { createRequire as __runyardRequire } from 'node:module';\nconst require = __runyardRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
