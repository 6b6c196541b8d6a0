// What the browser tests stand on: a static server on 127.0.0.1 that serves pages and the build output
// as files (ES modules, no bundler), and Debian's Chromium driven by playwright-core.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { tempDir } from '../helpers/fs.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Why the browser tests cannot run here, or undefined when they can. */
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM}: apt-get install -y chromium (the browser tests are skipped)`;

export interface StaticSite {
  /** `http://127.0.0.1:PORT`, the pages' Origin. */
  origin: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Serves `pages` (path → content) and each of `mounts` (URL prefix → directory) as files; anything else
 * is 404. A module script needs a JavaScript media type, or the browser refuses it.
 */
export async function serveStatic(
  t: Test,
  pages: Record<string, string>,
  mounts: Record<string, string>,
): Promise<StaticSite> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const answer = async (): Promise<[number, string, string | Buffer]> => {
      if (path in pages) return [200, TYPES[extname(path) || '.html']!, pages[path]!];
      const prefix = Object.keys(mounts).find((mount) => path.startsWith(mount));
      if (!prefix) return [404, 'text/plain', 'not found'];
      const file = normalize(join(mounts[prefix]!, path.slice(prefix.length)));
      if (!file.startsWith(mounts[prefix]!)) return [404, 'text/plain', 'not found'];
      const body = await readFile(file).catch(() => undefined);
      return body
        ? [200, TYPES[extname(file)] ?? 'application/octet-stream', body]
        : [404, 'text/plain', 'not found'];
    };
    answer().then(
      ([status, type, body]) => response.writeHead(status, { 'content-type': type }).end(body),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections(); // Chromium keeps connections alive; close() alone would wait for them
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${address.port}` };
}

/** A headless Chromium with a fresh profile, closed with the test. */
export async function launchChromium(t: Test): Promise<BrowserContext> {
  const profile = await tempDir(t, 'chromium-profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => context.close());
  return context;
}

export interface PageRun {
  page: Page;
  /** Resolves with the first `count` lines the page logged; rejects on an uncaught error in the page. */
  lines(count: number): Promise<string[]>;
}

/** Opens `url` in a new tab, recording what the page logs to its console. */
export async function openPage(t: Test, context: BrowserContext, url: string): Promise<PageRun> {
  const page = await context.newPage();
  t.teardown(() => page.close());
  const logged: string[] = [];
  let failed: Error | undefined;
  let wake = () => {};
  page.on('console', (message) => {
    // Only what the page logs: the browser reports its own errors here too (a 404 for /favicon.ico).
    if (message.type() !== 'log') return;
    logged.push(message.text());
    wake();
  });
  page.on('pageerror', (error) => {
    failed = error;
    wake();
  });
  await page.goto(url);
  return {
    page,
    async lines(count) {
      while (logged.length < count) {
        if (failed) throw failed;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return logged.slice(0, count);
    },
  };
}
