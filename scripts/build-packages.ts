// What tsc cannot do after it compiles: make the bins executable, copy the PostgreSQL store's SQL
// migrations beside their module, and assemble the SDK-only package.
import { chmod, copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const clientBuild = join(root, 'dist/src/client');
const clientPackage = join(root, 'packages/client');

// tsc writes files with the umask's mode (0644). An install through npm marks bins executable, but a
// clone runs dist/cli/runyard.js as built, and npx remembers a path it has seen: `Permission denied`.
const { bin } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};
for (const path of Object.values(bin)) await chmod(join(root, path), 0o755);

// The migrations are plain SQL, which tsc does not emit; dist/src/store/postgres-migrations.js reads them.
const migrations = 'src/store/postgres-migrations';
await rm(join(root, 'dist', migrations), { recursive: true, force: true });
await mkdir(join(root, 'dist', migrations), { recursive: true });
for (const name of await readdir(join(root, migrations))) {
  if (name.endsWith('.sql'))
    await copyFile(join(root, migrations, name), join(root, 'dist', migrations, name));
}

// @runyard/client is src/client as compiled, nothing more: its JavaScript and declarations, and the
// LICENSE. A stale file from a removed source must not ship, so its dist is written from scratch.
const target = join(clientPackage, 'dist');
await rm(target, { recursive: true, force: true });
await mkdir(target);
for (const name of await readdir(clientBuild)) {
  if (name.endsWith('.js') || name.endsWith('.d.ts'))
    await copyFile(join(clientBuild, name), join(target, name));
}
await copyFile(join(root, 'LICENSE'), join(clientPackage, 'LICENSE'));
