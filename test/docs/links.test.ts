// The docs as a reader finds them: every page under docs/ is reachable from the README by links, and
// no relative link points at a file that is not there.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import t from 'tap';
import { repoRoot } from './markdown.js';

/** The repository files a markdown file links to (relative links only, anchors dropped). */
async function linksOf(file: string): Promise<string[]> {
  const text = await readFile(join(repoRoot, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!.split('#')[0]!)
    .filter((target) => target && !/^[a-z]+:/.test(target))
    .map((target) => relative(repoRoot, join(repoRoot, dirname(file), target)));
}

/** Every markdown file reachable from the README, each with the files it links to. */
async function crawl(): Promise<Map<string, string[]>> {
  const reached = new Map<string, string[]>();
  const pending = ['README.md'];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (reached.has(file)) continue;
    const links = await linksOf(file);
    reached.set(file, links);
    pending.push(...links.filter((link) => link.endsWith('.md') && !link.startsWith('..')));
  }
  return reached;
}

t.test('every page under docs/ is reachable from the README', async (t) => {
  const reached = await crawl();
  const pages = (await readdir(join(repoRoot, 'docs'))).filter((name) => name.endsWith('.md'));
  t.same(
    pages.map((name) => `docs/${name}`).filter((page) => !reached.has(page)),
    [],
    'link these from the README, or from a page it reaches',
  );
  t.ok(reached.has('CONTRIBUTING.md'), 'the README links CONTRIBUTING.md');
});

t.test('no relative link in the docs the README reaches points at a missing file', async (t) => {
  const missing: string[] = [];
  for (const [file, links] of await crawl())
    for (const link of links)
      if (!(await stat(join(repoRoot, link)).catch(() => undefined))) missing.push(`${file} → ${link}`);
  t.same(missing, []);
});
