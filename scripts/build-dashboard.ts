// Bundles the dashboard page (src/dashboard) into dist/dashboard/: index.html and one app-<hash>.js and
// app-<hash>.css, flat, so the daemon can serve them with long cache lifetimes and a strict CSP (no inline
// script or style). The new directory replaces the old one whole, so no stale asset stays behind.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../../', import.meta.url).pathname;
const source = join(root, 'src/dashboard');
const target = join(root, 'dist/dashboard');
const staging = `${target}.${process.pid}.tmp`;

await rm(staging, { recursive: true, force: true });
await mkdir(staging, { recursive: true });
const result = await build({
  entryPoints: { app: join(source, 'main.ts'), style: join(source, 'app.css') },
  entryNames: 'app-[hash]',
  outdir: staging,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const asset = (extension: string) => {
  const name = outputs.find((output) => output.endsWith(extension));
  if (!name) throw new Error(`esbuild wrote no ${extension} file`);
  return name;
};
const page = (await readFile(join(source, 'index.html'), 'utf8'))
  .replace('href="app.css"', `href="${asset('.css')}"`)
  .replace('src="app.js"', `src="${asset('.js')}"`);
await writeFile(join(staging, 'index.html'), page);
await rm(target, { recursive: true, force: true });
await rename(staging, target);
