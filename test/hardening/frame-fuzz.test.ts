// Frame fuzzing: 20,000 seeded hostile frames; each gets a conforming answer (or, as a notification,
// none) or its connection is closed with a policy code; the daemon survives with its heap intact.
import t from 'tap';
import WebSocket from 'ws';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isLongRun, makeRandom, seedFromEnv, type Random } from '../helpers/prng.js';
import { makeProbe, openFds } from '../helpers/probe.js';
import { encodeFrame, OPCODE, openRaw } from '../helpers/raw-ws.js';
import {
  codeMatches,
  expectationFor,
  randomFrame,
  type ExpectedAnswer,
  type StreamedFrame,
} from './frames.js';
import { eventually, sleep } from '../helpers/poll.js';

const LONG = isLongRun();
// The long variant outlasts tap's per-file timeout of 120 s.
if (isLongRun()) t.setTimeout(1_800_000);
const STREAMED_FRAMES = LONG ? 200_000 : 20_000;
const WARM_UP_FRAMES = 1_000;
const CONNECTIONS = 8;
/** Frames a connection may have sent ahead of their answers. */
const WINDOW = 64;
/** Heap growth (after a full GC) allowed between the warmed-up daemon and the one that took everything. */
const HEAP_MARGIN_BYTES = 8 * 1_048_576;
const seed = seedFromEnv(0x5eed0001);

t.comment(`seed ${seed} (replay with RUNYARD_HARDENING_SEED=${seed})`);

t.test('hostile frames get conforming answers or a policy close, and leave no trace', async (t) => {
  const probe = await makeProbe(t);
  const daemon = await startDaemon(t, { env: probe.env });
  const bystander = await daemon.client();
  const discovered = (await bystander.call('rpc.discover')) as { methods: { name: string }[] };
  const methods = [...discovered.methods.map((method) => method.name), 'rpc.discover'];
  const known = new Set(methods);
  const random = makeRandom(seed);
  let idCounter = 0;
  const nextId = () => `f${++idCounter}`;
  const frames = (count: number) => Array.from({ length: count }, () => randomFrame(random, methods, nextId));

  const warmUp = await streamFrames(daemon, frames(WARM_UP_FRAMES), known);
  t.same(warmUp.problems, [], 'the warm-up frames are answered as the spec says');
  const before = await probe.read(daemon);
  const fdsBefore = openFds(daemon.child.pid!);

  const perConnection = Math.ceil((STREAMED_FRAMES - WARM_UP_FRAMES) / CONNECTIONS);
  const batches = Array.from({ length: CONNECTIONS }, () => frames(perConnection));
  const closing = closingCases(random);
  const [results, closes] = await Promise.all([
    Promise.all(batches.map((batch) => streamFrames(daemon, batch, known))),
    runClosingCases(daemon, closing),
  ]);
  const sent = WARM_UP_FRAMES + results.reduce((sum, result) => sum + result.sent, 0) + closing.length;
  t.ok(sent >= 20_000, `${sent} frames sent`);
  const problems = results.flatMap((result) => result.problems);
  t.same(problems.slice(0, 20), [], 'every streamed frame got what the spec says, and nothing else');
  t.equal(problems.length, 0, 'no problem on any connection');
  t.same(
    closes.filter((close) => !close.expected.includes(close.code ?? -1)),
    [],
    'every protocol violation closed its connection with the policy code',
  );
  const internal = results.reduce((sum, result) => sum + result.internalErrors, 0);
  t.equal(internal, 0, 'no frame caused an internal error (-32603)');
  t.equal(daemon.child.exitCode, null, 'the daemon is still running');
  t.match(await bystander.daemon.info(), { pid: daemon.child.pid }, 'and answering');
  t.same((await bystander.run.list({})).runs, [], 'no frame started a run');

  await t.resolves(
    eventually(() => openFds(daemon.child.pid!) <= fdsBefore || undefined),
    'file descriptors are released',
  );
  const after = await probe.read(daemon);
  t.comment(`heap after GC: ${mb(before.heapUsed)} before, ${mb(after.heapUsed)} after`);
  t.ok(
    after.heapUsed - before.heapUsed < HEAP_MARGIN_BYTES,
    `heap after GC grew by less than ${mb(HEAP_MARGIN_BYTES)} (${mb(after.heapUsed - before.heapUsed)})`,
  );
  t.equal(after.resources.TCPSocketWrap ?? 0, before.resources.TCPSocketWrap ?? 0, 'no socket left open');
  t.notMatch(daemon.log(), /"level":"error"/, 'the daemon logged no error');
});

interface StreamResult {
  sent: number;
  problems: string[];
  internalErrors: number;
}

/**
 * Sends the frames over one new connection, WINDOW answers ahead at most, then checks every message
 * that came back against what the frames must get. Answers may come in any order: they are matched
 * as a multiset of ids (the spec lets an invalid request's answer carry its id or null).
 */
async function streamFrames(
  daemon: TestDaemon,
  frames: StreamedFrame[],
  methods: ReadonlySet<string>,
): Promise<StreamResult> {
  const socket = new WebSocket(daemon.url, { headers: { authorization: `Bearer ${daemon.token}` } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const messages: string[] = [];
  let wake: (() => void) | undefined;
  let closedWith: number | undefined;
  socket.on('message', (data) => {
    messages.push(data.toString());
    wake?.();
  });
  socket.on('close', (code) => {
    closedWith = code;
    wake?.();
  });
  const waitForMessages = async (count: number, ms: number) => {
    const until = Date.now() + ms;
    while (messages.length < count && closedWith === undefined && Date.now() < until) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };

  const expectedSingles: ExpectedAnswer[] = [];
  const expectedBatches: ExpectedAnswer[][] = [];
  let expectedMessages = 0;
  let lastCategory = '';
  for (const frame of frames) {
    lastCategory = frame.category;
    const bytes = typeof frame.data === 'string' ? Buffer.from(frame.data, 'utf8') : frame.data;
    const expectation = expectationFor(bytes.toString('utf8'), methods);
    if (expectation.message === 'single') expectedSingles.push(expectation.answer);
    if (expectation.message === 'batch') expectedBatches.push(expectation.answers);
    if (expectation.message !== 'none') expectedMessages++;
    sendFragmented(socket, bytes, frame);
    if (expectedMessages - messages.length > WINDOW) await waitForMessages(expectedMessages - WINDOW, 30_000);
    if (closedWith !== undefined) break;
  }
  await waitForMessages(expectedMessages, 30_000);
  // Anything beyond what was expected would arrive now; notifications are never answered.
  await sleep(200);
  const problems: string[] = [];
  if (closedWith !== undefined)
    problems.push(`the connection was closed (${closedWith}) after a ${lastCategory} frame`);
  socket.terminate();
  const checked = checkAnswers(messages, expectedSingles, expectedBatches);
  return {
    sent: frames.length,
    problems: [...problems, ...checked.problems],
    internalErrors: checked.internalErrors,
  };
}

function sendFragmented(socket: WebSocket, bytes: Buffer, frame: StreamedFrame): void {
  if (frame.fragments <= 1) return socket.send(bytes, { binary: false });
  const size = Math.ceil(bytes.length / frame.fragments);
  for (let offset = 0; offset < bytes.length; offset += size) {
    socket.send(bytes.subarray(offset, offset + size), {
      binary: false,
      fin: offset + size >= bytes.length,
    });
  }
}

interface Answer {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function checkAnswers(
  messages: string[],
  expectedSingles: ExpectedAnswer[],
  expectedBatches: ExpectedAnswer[][],
): { problems: string[]; internalErrors: number } {
  const problems: string[] = [];
  let internalErrors = 0;
  const received: Answer[] = [];
  let singles = 0;
  let batches = 0;
  for (const text of messages) {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      problems.push(`not JSON: ${text.slice(0, 80)}`);
      continue;
    }
    if (Array.isArray(message)) {
      batches++;
      if (message.length === 0) problems.push('an empty array was sent');
      received.push(...(message as Answer[]));
    } else if (message !== null && typeof message === 'object' && 'method' in message && !('id' in message)) {
      const { method } = message as { method: unknown };
      if (method !== 'run.event' && method !== 'run.gap')
        problems.push(`unexpected notification ${String(method)}`);
    } else {
      singles++;
      received.push(message as Answer);
    }
  }
  if (singles !== expectedSingles.length)
    problems.push(`${singles} single answers, expected ${expectedSingles.length}`);
  if (batches !== expectedBatches.length)
    problems.push(`${batches} batch answers, expected ${expectedBatches.length}`);

  const byKey = new Map<string, Answer[]>();
  for (const answer of received) {
    const shape = shapeProblem(answer);
    if (shape) problems.push(`${shape}: ${JSON.stringify(answer).slice(0, 160)}`);
    if (answer.error?.code === -32603) internalErrors++;
    const key = JSON.stringify(answer.id ?? null);
    byKey.set(key, [...(byKey.get(key) ?? []), answer]);
  }
  // Exact ids first, then those that may fall back to null, then the nulls themselves.
  const expected = [...expectedSingles, ...expectedBatches.flat()];
  const ordered = [
    ...expected.filter((answer) => answer.key !== 'null' && !answer.mayBeNull),
    ...expected.filter((answer) => answer.mayBeNull),
    ...expected.filter((answer) => answer.key === 'null'),
  ];
  for (const expectation of ordered) {
    const candidates = byKey.get(expectation.key) ?? [];
    const fallback = expectation.mayBeNull ? (byKey.get('null') ?? []) : [];
    const pool = candidates.length > 0 ? candidates : fallback;
    const index = pool.findIndex((answer) => codeMatches(expectation.kind, answer));
    if (index < 0) {
      const seen = pool.map((answer) => answer.error?.code ?? 'result').join(', ');
      problems.push(
        `no ${expectation.kind} answer for id ${expectation.key.slice(0, 60)} (left: ${seen || 'none'})`,
      );
      continue;
    }
    pool.splice(index, 1);
  }
  for (const [key, left] of byKey) {
    if (left.length > 0) problems.push(`${left.length} unexpected answers with id ${key.slice(0, 60)}`);
  }
  return { problems, internalErrors };
}

/** A JSON-RPC 2.0 response object, exactly: jsonrpc, id, and one of result or error. */
function shapeProblem(answer: Answer): string | undefined {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return 'not a response object';
  const keys = Object.keys(answer).sort().join(',');
  if (keys !== 'error,id,jsonrpc' && keys !== 'id,jsonrpc,result') return `members ${keys}`;
  if (answer.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!(typeof answer.id === 'string' || typeof answer.id === 'number' || answer.id === null))
    return 'bad id';
  const { error } = answer;
  if (error === undefined) return undefined;
  if (!Number.isInteger(error.code) || typeof error.message !== 'string') return 'bad error object';
  const reserved = [-32700, -32600, -32601, -32602, -32603];
  if (!reserved.includes(error.code) && error.code < 1000)
    return `error code ${error.code} outside the contract`;
  if (error.code === -32700 && answer.id !== null) return 'a parse error with an id';
  return undefined;
}

interface ClosingCase {
  name: string;
  writes: Buffer[];
  /**
   * 1002 protocol error, 1003 unsupported data (binary frames), 1007 invalid UTF-8, 1009 too big: the
   * codes RFC 6455 assigns to each.
   */
  expected: number[];
}

/** Frames that break WebSocket itself: each gets its own connection, which must be closed with the right code. */
function closingCases(random: Random): ClosingCase[] {
  const text = (payload: Buffer | string, options = {}) =>
    encodeFrame(OPCODE.text, Buffer.from(payload), options);
  const request = '{"jsonrpc":"2.0","id":1,"method":"daemon.info"}';
  const cases: ClosingCase[] = [];
  for (let index = 0; index < (LONG ? 40 : 8); index++) {
    const size = random.between(1_048_577, 2_500_000);
    cases.push({ name: `text frame of ${size} bytes`, writes: [text('x'.repeat(size))], expected: [1009] });
  }
  cases.push(
    {
      name: 'announced length past the limit',
      writes: [text('', { announcedLength: 1_048_577n })],
      expected: [1009],
    },
    {
      name: 'announced length of 2^63',
      writes: [text('', { announcedLength: 2n ** 63n })],
      expected: [1009, 1002],
    },
    {
      name: 'fragments adding up past the limit',
      writes: Array.from({ length: 5 }, (_, index) =>
        encodeFrame(index === 0 ? OPCODE.text : OPCODE.continuation, Buffer.alloc(300_000, 0x61), {
          fin: index === 4,
        }),
      ),
      expected: [1009],
    },
    { name: 'unmasked frame', writes: [text(request, { mask: false })], expected: [1002] },
    { name: 'RSV1 without an extension', writes: [text(request, { rsv: 4 })], expected: [1002] },
    { name: 'RSV3', writes: [text(request, { rsv: 1 })], expected: [1002] },
    {
      name: 'ping longer than 125 bytes',
      writes: [encodeFrame(OPCODE.ping, Buffer.alloc(126))],
      expected: [1002],
    },
    {
      name: 'fragmented ping',
      writes: [encodeFrame(OPCODE.ping, Buffer.alloc(4), { fin: false })],
      expected: [1002],
    },
    {
      name: 'continuation with nothing to continue',
      writes: [encodeFrame(OPCODE.continuation, Buffer.from(request))],
      expected: [1002],
    },
    {
      name: 'a new message inside a fragmented one',
      writes: [text('{"jsonrpc":', { fin: false }), text(request)],
      expected: [1002],
    },
    {
      name: 'close frame with a 1-byte payload',
      writes: [encodeFrame(OPCODE.close, Buffer.from([3]))],
      expected: [1002],
    },
    {
      name: 'close frame with invalid UTF-8 reason',
      writes: [encodeFrame(OPCODE.close, Buffer.from([0x03, 0xe8, 0xff, 0xfe]))],
      expected: [1007],
    },
    {
      name: 'invalid UTF-8 in a text frame',
      writes: [text(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))],
      expected: [1007],
    },
    {
      name: 'overlong UTF-8 in a text frame',
      writes: [text(Buffer.from([0x22, 0xc0, 0xaf, 0x22]))],
      expected: [1007],
    },
    {
      name: 'UTF-16 surrogate encoded in UTF-8',
      writes: [text(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))],
      expected: [1007],
    },
  );
  const binary = (payload: Buffer, options = {}) => encodeFrame(OPCODE.binary, payload, options);
  const noise = Buffer.from(Array.from({ length: random.between(1, 300) }, () => random.int(256)));
  cases.push(
    { name: 'binary frame holding a request', writes: [binary(Buffer.from(request))], expected: [1003] },
    { name: 'binary frame of random bytes', writes: [binary(noise)], expected: [1003] },
    {
      name: 'fragmented binary frame',
      writes: [
        binary(Buffer.from(request.slice(0, 10)), { fin: false }),
        encodeFrame(OPCODE.continuation, Buffer.from(request.slice(10))),
      ],
      expected: [1003],
    },
  );
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    cases.push({
      name: `reserved opcode ${opcode}`,
      writes: [encodeFrame(opcode, Buffer.from(request))],
      expected: [1002],
    });
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1016, 2999, 5000]) {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    cases.push({
      name: `close code ${code}`,
      writes: [encodeFrame(OPCODE.close, payload)],
      expected: [1002],
    });
  }
  return cases;
}

async function runClosingCases(daemon: TestDaemon, cases: ClosingCase[]) {
  const results: { name: string; code: number | null; expected: number[] }[] = [];
  for (const closingCase of cases) {
    const connection = await openRaw(daemon.url, daemon.token);
    for (const write of closingCase.writes) connection.socket.write(write);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      connection.closeCode,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000))),
    ]);
    clearTimeout(timer);
    connection.socket.destroy();
    results.push({ name: closingCase.name, code, expected: closingCase.expected });
  }
  return results;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
