// The SDK in Chromium as a new user would load it: plain ES modules from the build output with an import
// map, no bundler; and as a default esbuild browser bundle. Refusals say why and are tried once.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import t, { type Test } from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { fencedBlocks, printed, readDoc, repoRoot } from '../docs/markdown.js';
import { chromiumMissing, launchChromium, openPage, serveStatic } from './harness.js';

const mounts = {
  '/node_modules/runyard/dist/src/client/': join(repoRoot, 'dist/src/client/'),
  '/node_modules/@runyard/client/dist/': join(repoRoot, 'packages/client/dist/'),
};

/** docs/sdk.md's page, and the module script in it. */
async function docsPage() {
  const [page] = fencedBlocks(await readDoc('docs/sdk.md')).filter((block) => block.lang === 'html');
  if (!page) throw new Error('docs/sdk.md has no html example');
  const script = /<script type="module">\n([\s\S]*?)<\/script>/.exec(page.text)![1]!.replace(/^ {2}/gm, '');
  const importMap = /<script type="importmap">[\s\S]*?<\/script>/.exec(page.text)![0];
  return { html: page.text, script, importMap };
}

/** `connect({ url, token })` in a page, with every WebSocket it constructs counted. */
const connectInPage = (url: string, token: string) => `(async () => {
  let sockets = 0;
  const Platform = globalThis.WebSocket;
  globalThis.WebSocket = class extends Platform { constructor(...args) { super(...args); sockets++; } };
  const { connect } = await import('runyard/client');
  const error = await connect(${JSON.stringify({ url, token })}).then(() => undefined, (e) => e);
  return { name: error?.name, reason: error?.reason, closeCode: error?.closeCode, sockets };
})()`;

/** A default browser bundle, as a user's build would make it: bundle, platform browser, no externals. */
async function bundle(t: Test, contents: string, format?: 'esm') {
  const dir = await tempDir(t, 'bundle');
  await mkdir(join(dir, 'node_modules/@runyard'), { recursive: true });
  await symlink(repoRoot, join(dir, 'node_modules/runyard'), 'dir');
  await symlink(join(repoRoot, 'packages/client'), join(dir, 'node_modules/@runyard/client'), 'dir');
  const result = await build({
    stdin: { contents, resolveDir: dir, sourcefile: 'page.js' },
    bundle: true,
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    ...(format ? { format } : {}),
  });
  return { code: result.outputFiles[0]!.text, warnings: result.warnings };
}

t.test('the SDK in Chromium', { skip: chromiumMissing ?? false }, async (t) => {
  const { html, script, importMap } = await docsPage();
  const refusalPage = `<!doctype html>${importMap}`;
  const pages = { '/': html, '/refusals.html': refusalPage };
  const site = await serveStatic(t, pages, mounts);
  const foreignSite = await serveStatic(t, pages, mounts);
  const daemon = await startDaemon(t, { args: ['--allow-origin', site.origin] });
  const context = await launchChromium(t);
  const credentials = `#url=${encodeURIComponent(daemon.url)}&token=${daemon.token}`;
  const expected = printed(script, '//').trimEnd().split('\n');

  t.test("docs/sdk.md's page is the README's SDK example, given url and token", async (t) => {
    const readme = fencedBlocks(await readDoc('README.md')).find((block) => block.lang === 'js')!.text;
    const withoutConnect = (text: string) =>
      text.split('\n').filter((line) => line.trim() !== '' && !line.includes('connect('));
    t.match(readme, /await connect\(\);/);
    t.match(script, /await connect\(\{ url, token \}\);/);
    t.same(withoutConnect(script).slice(-5), withoutConnect(readme).slice(-5));
    t.same(withoutConnect(script)[0], withoutConnect(readme)[0], 'the same import');
  });

  t.test('the page runs the SDK unbundled, from the build output, and prints what it says', async (t) => {
    const run = await openPage(t, context, `${site.origin}/${credentials}`);
    t.same(await run.lines(expected.length), expected);
  });

  t.test('the same page runs with @runyard/client mapped instead', async (t) => {
    const sdkOnly = html.replace(
      '/node_modules/runyard/dist/src/client/browser.js',
      '/node_modules/@runyard/client/dist/browser.js',
    );
    t.not(sdkOnly, html);
    const sdkOnlySite = await serveStatic(t, { '/': sdkOnly }, mounts);
    const allowing = await startDaemon(t, { args: ['--allow-origin', sdkOnlySite.origin] });
    const run = await openPage(
      t,
      context,
      `${sdkOnlySite.origin}/#url=${encodeURIComponent(allowing.url)}&token=${allowing.token}`,
    );
    t.same(await run.lines(expected.length), expected);
  });

  t.test(
    'run.follow in a page gets output in binary frames: the bytes as written, text from them',
    async (t) => {
      const { page } = await openPage(t, context, `${site.origin}/refusals.html`);
      const written = [0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xff, 0x0a]; // "café ", a byte that is not UTF-8
      const argv = [process.execPath, '-e', `process.stdout.write(Buffer.from(${JSON.stringify(written)}))`];
      const output = await page.evaluate(`(async () => {
      const { connect } = await import('runyard/client');
      const client = await connect(${JSON.stringify({ url: daemon.url, token: daemon.token })});
      const { runId } = await client.run.start({ argv: ${JSON.stringify(argv)} });
      const output = [];
      for await (const event of client.run.follow(runId, { fromSeq: 1 }))
        if (event.type === 'output') output.push({ isBytes: event.bytes instanceof Uint8Array, bytes: [...event.bytes], text: event.text });
      await client.close();
      return output;
    })()`);
      t.same(output, [{ isBytes: true, bytes: written, text: 'café \uFFFD\n' }]);
    },
  );

  t.test('a wrong token is token_refused, tried once', async (t) => {
    const { page } = await openPage(t, context, `${site.origin}/refusals.html`);
    t.same(await page.evaluate(connectInPage(daemon.url, 'nope')), {
      name: 'ConnectError',
      reason: 'token_refused',
      closeCode: 4401,
      sockets: 1,
    });
  });

  t.test('a page from an Origin the daemon does not allow is origin_refused, tried once', async (t) => {
    const { page } = await openPage(t, context, `${foreignSite.origin}/refusals.html`);
    t.same(await page.evaluate(connectInPage(daemon.url, daemon.token)), {
      name: 'ConnectError',
      reason: 'origin_refused',
      closeCode: 4403,
      sockets: 1,
    });
  });

  t.test('a stopped daemon is unreachable, tried once', async (t) => {
    const stopped = await startDaemon(t, { args: ['--allow-origin', site.origin] });
    await stopped.stop();
    const { page } = await openPage(t, context, `${site.origin}/refusals.html`);
    t.same(await page.evaluate(connectInPage(stopped.url, stopped.token)), {
      name: 'ConnectError',
      reason: 'unreachable',
      sockets: 1,
    });
  });

  t.test('a default esbuild browser bundle of either package succeeds with no externals', async (t) => {
    for (const name of ['runyard/client', '@runyard/client']) {
      const { code, warnings } = await bundle(
        t,
        `import { connect } from '${name}'; globalThis.connect = connect;`,
      );
      t.same(warnings, [], `${name}: no warnings`);
      t.notMatch(code, /\bnode:|require\(/, `${name}: no Node module in the bundle`);
    }
  });

  t.test('the page bundled by esbuild runs and prints what it says', async (t) => {
    // format esm only because the example awaits at top level, which an IIFE cannot.
    const { code } = await bundle(t, script, 'esm');
    const bundled = await serveStatic(
      t,
      { '/': '<!doctype html><script type="module" src="/page.js"></script>', '/page.js': code },
      {},
    );
    const allowing = await startDaemon(t, { args: ['--allow-origin', bundled.origin] });
    const run = await openPage(
      t,
      context,
      `${bundled.origin}/#url=${encodeURIComponent(allowing.url)}&token=${allowing.token}`,
    );
    t.same(await run.lines(expected.length), expected);
  });
});
