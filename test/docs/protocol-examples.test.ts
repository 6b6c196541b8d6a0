// Executes the examples of docs/protocol.md against a real daemon, in document order, on one connection.
//
// Marker convention in docs/protocol.md: an HTML comment alone on a line, followed (blank lines aside)
// by a fenced block.
//   <!-- request -->            the block is sent as one raw text frame, exactly as written
//   <!-- request repeat=N -->   the block is one request; a batch of N copies of it is sent
//   <!-- response -->           the answer to the preceding request: same keys, same values
//   <!-- response subset -->    the same, but the answer's objects may hold keys the example leaves out
//   <!-- no-response -->        (no block) the preceding request gets no answer at all
//   <!-- notification -->       the next message after the preceding answer or notification
//   <!-- file: PATH -->         after all calls, <runs-dir>/PATH holds this JSON (or JSON lines for jsonl)
// Values that vary per run match by type or pattern (see shape.ts). Run ids in the docs stand for the
// real ids of the runs the examples create: an id is bound the first time an answer shows it, and
// every later request or file path that names it gets the real id. The docs' /home/me/project paths and
// default URL stand for this daemon's directories and URL.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { markers, readDoc, repoRoot } from './markdown.js';
import { ExampleMatcher } from './shape.js';

const DOC = 'docs/protocol.md';

type Step =
  | { kind: 'call'; line: number; frame: string; expect: { answer: unknown; subset: boolean } | 'nothing' }
  | { kind: 'notification'; line: number; notification: unknown }
  | { kind: 'file'; line: number; path: string; lang: string; text: string };

function readSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  let request: { line: number; frame: string } | undefined;
  for (const marker of markers(markdown)) {
    const [word, argument] = marker.text.split(/\s+/, 2) as [string, string | undefined];
    const where = `${DOC}:${marker.line}`;
    const needsBlock = word !== 'no-response';
    if (needsBlock && !marker.block)
      throw new Error(`${where}: <!-- ${marker.text} --> is not followed by a code block`);
    if (word === 'request') {
      if (request) throw new Error(`${where}: the request at line ${request.line} has no response marker`);
      const repeat = /^repeat=(\d+)$/.exec(argument ?? '');
      if (argument !== undefined && !repeat)
        throw new Error(`${where}: unknown request option "${argument}"`);
      const text = marker.block!.text.trim();
      const frame = repeat
        ? JSON.stringify(Array.from({ length: Number(repeat[1]) }, () => JSON.parse(text)))
        : text;
      request = { line: marker.line, frame };
    } else if (word === 'response' || word === 'no-response') {
      if (!request) throw new Error(`${where}: <!-- ${marker.text} --> follows no request`);
      if (word === 'response' && argument !== undefined && argument !== 'subset') {
        throw new Error(`${where}: unknown response option "${argument}"`);
      }
      const expect =
        word === 'no-response'
          ? 'nothing'
          : { answer: JSON.parse(marker.block!.text), subset: argument === 'subset' };
      steps.push({ kind: 'call', line: request.line, frame: request.frame, expect });
      request = undefined;
    } else if (word === 'notification') {
      const previous = steps.at(-1);
      if (request || (previous?.kind !== 'call' && previous?.kind !== 'notification')) {
        throw new Error(`${where}: <!-- notification --> must follow a response or another notification`);
      }
      steps.push({ kind: 'notification', line: marker.line, notification: JSON.parse(marker.block!.text) });
    } else if (word === 'file:') {
      if (!argument) throw new Error(`${where}: <!-- file: --> needs a path`);
      steps.push({
        kind: 'file',
        line: marker.line,
        path: argument,
        lang: marker.block!.lang,
        text: marker.block!.text,
      });
    } else {
      throw new Error(`${where}: unknown marker <!-- ${marker.text} -->`);
    }
  }
  if (request) throw new Error(`${DOC}:${request.line}: the last request has no response marker`);
  return steps;
}

const describe = (frame: string) => {
  const method = /"method"\s*:\s*"([^"]+)"/.exec(frame)?.[1];
  return method ? (frame.trimStart().startsWith('[') ? `a batch of ${method}` : method) : 'a malformed frame';
};

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

t.test('every method in openrpc.json has a request example in docs/protocol.md', async (t) => {
  const document = JSON.parse(await readFile(join(repoRoot, 'openrpc.json'), 'utf8')) as {
    methods: { name: string }[];
  };
  const requested = new Set(
    readSteps(await readDoc(DOC)).flatMap((step) =>
      step.kind === 'call'
        ? [...step.frame.matchAll(/"method"\s*:\s*"([^"]+)"/g)].map((match) => match[1])
        : [],
    ),
  );
  const methods = ['rpc.discover', ...document.methods.map((m) => m.name)];
  t.same(
    methods.filter((method) => !requested.has(method)),
    [],
    'no method lacks an example',
  );
});

t.test('every request example in docs/protocol.md gets the documented answer', async (t) => {
  const steps = readSteps(await readDoc(DOC));
  t.ok(
    steps.filter((step) => step.kind === 'call').length >= 20,
    'the page holds the examples this test expects',
  );

  const daemon = await startDaemon(t, { args: ['--max-concurrent', '4'] });
  const socket = await daemon.socket();
  const matcher = new ExampleMatcher([
    ['/home/me/project/runs', daemon.runsDir],
    ['/home/me/project/.runyard', daemon.stateDir],
    ['ws://127.0.0.1:7370/rpc', daemon.url],
    ['http://127.0.0.1:7370/login/', `${daemon.url.replace(/^ws:/, 'http:').replace(/\/rpc$/, '')}/login/`],
  ]);

  for (const step of steps) {
    if (step.kind === 'file') continue;
    if (step.kind === 'notification') {
      const name = `${DOC}:${step.line} the notification arrives as documented`;
      await t.test(name, async (t) => {
        const message = await withDeadline(socket.next(), 15_000, name);
        t.same(matcher.compare(step.notification, message), [], 'the notification matches the example', {
          received: message,
        });
      });
      continue;
    }
    const name = `${DOC}:${step.line} ${describe(step.frame)} is answered as documented`;
    await t.test(name, async (t) => {
      socket.send(matcher.substituteIds(step.frame));
      if (step.expect === 'nothing') {
        t.ok(await socket.silentFor(300), 'no answer arrives');
        return;
      }
      const answer = await withDeadline(socket.next(), 15_000, name);
      const problems = matcher.compare(step.expect.answer, answer, { subset: step.expect.subset });
      t.same(problems, [], 'the answer matches the example', { answer });
    });
  }

  for (const step of steps.filter((step) => step.kind === 'file')) {
    await t.test(`${DOC}:${step.line} the run directory holds ${step.path} as documented`, async (t) => {
      const path = join(daemon.runsDir, matcher.substituteIds(step.path));
      const text = await readFile(path, 'utf8');
      const parse = (body: string) =>
        step.lang === 'jsonl'
          ? body
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line) as unknown)
          : JSON.parse(body);
      const problems = matcher.compare(parse(step.text), parse(text));
      t.same(problems, [], 'the file matches the example', { file: text });
    });
  }
});
