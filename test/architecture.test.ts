// The parts of src/ and the arrows between them, as docs/architecture.md draws them: a lower part
// never imports a higher one, so the store and the retained index can never reach into the engine.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';

const src = resolve(import.meta.dirname, '../src');

/** What each part may import besides itself. Every part may use schema, fs, async and log. */
const base = ['schema', 'fs', 'async', 'log'];
const allowed: Record<string, string[]> = {
  schema: [],
  log: ['schema'],
  fs: ['schema'],
  async: ['log'],
  'run-dir': base,
  store: [...base, 'run-dir'],
  retained: [...base, 'run-dir'],
  runs: [...base, 'run-dir', 'store'],
  services: [...base, 'runs', 'store'],
  // In a cluster a node calls the others as any client does, through the SDK's Connection (peers.ts).
  daemon: [...base, 'run-dir', 'store', 'retained', 'runs', 'services', 'client'],
  // The SDK is browser-safe: it imports nothing of the daemon, not even the schema (it has generated.ts).
  client: [],
  // The dashboard page runs in a browser on the SDK alone.
  dashboard: ['client'],
  // Offline commands (index rebuild, runs without a daemon) read the store and the runs directory.
  cli: [...base, 'client', 'daemon', 'store', 'retained', 'run-dir'],
};

const partOf = (file: string) => relative(src, file).split('/')[0]!.replace(/\.ts$/, '');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

t.test('no part of src/ imports a part above it', async (t) => {
  const files = await sources(src);
  t.ok(files.length > 50, 'the sources were found');
  const wrong: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const part = partOf(file);
    t.ok(part in allowed, `${relative(src, file)} belongs to a known part`);
    const text = await readFile(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import\(?)\s*'(\.[^']+)'/g)) {
      const target = partOf(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      if (target === part) continue;
      seen.add(`${part} -> ${target}`);
      if (!allowed[part]?.includes(target))
        wrong.push(`${relative(src, file)} imports ${specifier} (${target})`);
    }
  }
  t.same(wrong, [], 'every import follows an arrow of docs/architecture.md');
  t.ok(seen.has('runs -> store') && seen.has('daemon -> runs'), 'imports were read');
});
