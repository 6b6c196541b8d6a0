// The frame fuzzer: a seeded generator of hostile JSON-RPC frames, and an oracle written from the
// JSON-RPC 2.0 spec (not from rpc.ts) that says which answers each frame must get.
import type { Random } from '../helpers/prng.js';

/** What one answer must look like: its id, and which kind of answer it may be. */
export interface ExpectedAnswer {
  /** JSON of the id the answer carries. */
  key: string;
  /** The id was readable but the request invalid: the spec lets the answer carry it or null. */
  mayBeNull: boolean;
  kind: 'parse_error' | 'invalid_request' | 'method_not_found' | 'call';
}

/** The answer a frame must get: none (notifications only), one object, or one array (a batch). */
export type Expectation =
  | { message: 'none' }
  | { message: 'single'; answer: ExpectedAnswer }
  | { message: 'batch'; answers: ExpectedAnswer[] };

/** A text frame (binary ones close the connection, so they are closing cases). */
export interface StreamedFrame {
  data: string | Buffer;
  /** Sent as this many WebSocket fragments (continuation frames). */
  fragments: number;
  category: string;
}

const MAX_BATCH = 100;
const NULL_KEY = 'null';

/** The spec's rules, applied to what a frame would parse to. `methods` are the ones the daemon has. */
export function expectationFor(text: string, methods: ReadonlySet<string>): Expectation {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { message: 'single', answer: { key: NULL_KEY, mayBeNull: false, kind: 'parse_error' } };
  }
  if (!Array.isArray(message)) {
    const answer = expectedForItem(message, methods);
    return answer ? { message: 'single', answer } : { message: 'none' };
  }
  if (message.length === 0 || message.length > MAX_BATCH) {
    return { message: 'single', answer: { key: NULL_KEY, mayBeNull: false, kind: 'invalid_request' } };
  }
  const answers = message
    .map((item) => expectedForItem(item, methods))
    .filter((answer): answer is ExpectedAnswer => answer !== undefined);
  return answers.length > 0 ? { message: 'batch', answers } : { message: 'none' };
}

function expectedForItem(item: unknown, methods: ReadonlySet<string>): ExpectedAnswer | undefined {
  const invalid = (key = NULL_KEY): ExpectedAnswer => ({
    key,
    mayBeNull: key !== NULL_KEY,
    kind: 'invalid_request',
  });
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return invalid();
  const request = item as Record<string, unknown>;
  const hasId = Object.hasOwn(request, 'id');
  const id = request.id;
  // Beyond the spec, runyard's rule: a numeric id must be a safe integer, which JSON carries exactly.
  const isValidId = typeof id === 'string' || Number.isSafeInteger(id) || id === null;
  if (hasId && !isValidId) return invalid();
  const key = hasId ? JSON.stringify(id) : NULL_KEY;
  if (request.jsonrpc !== '2.0' || typeof request.method !== 'string') return invalid(key);
  const { params } = request;
  if (params !== undefined && (params === null || typeof params !== 'object')) return invalid(key);
  if (!hasId) return undefined; // a valid notification is never answered, whatever happens to it
  return { key, mayBeNull: false, kind: methods.has(request.method) ? 'call' : 'method_not_found' };
}

// ---------------------------------------------------------------------------------------------
// The generator.

/** Strings that are never a command on PATH (they start with a snowman), so no frame can start a run. */
function randomText(random: Random, maxLength: number): string {
  const length = random.int(maxLength + 1);
  let text = '\u2603';
  for (let index = 0; index < length; index++) {
    const roll = random.next();
    if (roll < 0.6) text += String.fromCharCode(0x20 + random.int(0x5f));
    else if (roll < 0.8) text += String.fromCharCode(random.int(0x20));
    else if (roll < 0.95) text += String.fromCharCode(0x80 + random.int(0xff00));
    else text += String.fromCodePoint(0x10000 + random.int(0x10000));
  }
  return text;
}

const SPECIAL_VALUES: readonly unknown[] = [
  0,
  -1,
  1.5,
  -0,
  1e308,
  -1e308,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  true,
  false,
  null,
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\u202e',
  '01JD6W4ZK3Q8V5N2M7XKCB9TRE',
  '01jd6w4zk3q8v5n2m7xkcb9tre',
  '01JD6W4ZK3Q8V5N2M7XKCB9TRE0',
  '../../../../etc/passwd',
  '%2e%2e%2f',
  'C:\\Windows',
  'x'.repeat(5_000),
  [],
  {},
  ['/nonexistent/runyard-fuzz'],
  [''],
  { __proto__: null, polluted: true },
  { constructor: { prototype: { polluted: true } } },
];

const PARAM_NAMES = [
  'runId',
  'argv',
  'cwd',
  'env',
  'labels',
  'outputDir',
  'overwrite',
  'priority',
  'timeoutMs',
  'killGraceMs',
  'retry',
  'idempotencyKey',
  'status',
  'limit',
  'cursor',
  'stream',
  'offset',
  'fromSeq',
  'subscriptionId',
  'name',
  'action',
  'path',
  'actions',
  'replaceExistingJobs',
  'removeJobs',
  '__proto__',
  'constructor',
  '',
];

export function randomValue(random: Random, depth = 0): unknown {
  const roll = random.next();
  if (roll < 0.35 || depth > 3) return random.pick(SPECIAL_VALUES);
  if (roll < 0.55) return randomText(random, 40);
  if (roll < 0.65) return random.between(-1e6, 1e6) * (random.chance(0.2) ? 0.5 : 1);
  if (roll < 0.8) return Array.from({ length: random.int(5) }, () => randomValue(random, depth + 1));
  return randomObject(random, depth + 1);
}

function randomObject(random: Random, depth: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let index = random.int(5); index > 0; index--) {
    const name = random.chance(0.8) ? random.pick(PARAM_NAMES) : randomText(random, 10);
    // defineProperty, so that "__proto__" becomes a real key of the JSON, as an attacker would send it.
    Object.defineProperty(object, name, {
      value: randomValue(random, depth),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return object;
}

/** A request-shaped object, each member right, wrong-typed or missing. */
function randomRequest(
  random: Random,
  methods: readonly string[],
  nextId: () => string,
): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  const jsonrpc = random.next();
  if (jsonrpc < 0.85) request.jsonrpc = '2.0';
  else if (jsonrpc < 0.95) request.jsonrpc = random.pick(['1.0', 2, 2.0, '2.0 ', null, ['2.0']]);
  const method = random.next();
  if (method < 0.7) request.method = random.pick(methods);
  else if (method < 0.8)
    request.method = random.pick([
      'rpc.discover',
      'run.stat',
      '',
      'RUN.STATUS',
      'toString',
      '__proto__',
      'constructor',
      'rpc.',
      'run.status\u0000',
    ]);
  else if (method < 0.9) request.method = randomText(random, 30);
  else if (method < 0.97) request.method = randomValue(random);
  const id = random.next();
  if (id < 0.6) request.id = nextId();
  else if (id < 0.7) request.id = random.pick([0, -1, 1.5, null, '', 1e400, 2 ** 64, -0]);
  else if (id < 0.8) request.id = randomValue(random);
  const params = random.next();
  if (params < 0.6) request.params = randomObject(random, 1);
  else if (params < 0.8) request.params = randomValue(random);
  if (random.chance(0.05)) request[random.pick(PARAM_NAMES)] = randomValue(random);
  return request;
}

/** Nesting up to 190,000 levels: deep enough to break a recursive parser, small enough (< 1 MiB) to be read. */
function nested(random: Random, depth: number): string {
  const shape = random.int(4);
  if (shape === 0) return '['.repeat(depth) + ']'.repeat(depth);
  if (shape === 1) return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const inner = random.chance(0.5)
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth);
  const where = random.pick(['params', 'id', 'method', 'jsonrpc', 'params-member']);
  const body =
    where === 'params-member'
      ? `"params":{"runId":${inner}}`
      : `"${where === 'params' ? 'params' : where}":${inner}`;
  const rest = ['"jsonrpc":"2.0"', '"method":"run.status"', '"id":"n"'].filter(
    (member) => !member.startsWith(`"${where}"`),
  );
  return shape === 2 ? `{${[...rest, body].join(',')}}` : `[{${[...rest, body].join(',')}}]`;
}

const ODDITIES = [
  '',
  ' ',
  '\n',
  'null',
  'true',
  '0',
  '"2.0"',
  '{}',
  '[]',
  '[[]]',
  '[null]',
  '[1,2,3]',
  '\ufeff{"jsonrpc":"2.0","id":1,"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":1,"method":"daemon.info",}',
  "{'jsonrpc':'2.0','id':1,'method':'daemon.info'}",
  '{"jsonrpc":"2.0","id":NaN,"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":Infinity,"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":1,"method":"daemon.info"} // comment',
  '{"jsonrpc":"2.0","id":1,"method":"daemon.info"}{"jsonrpc":"2.0","id":2,"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":1,"id":{},"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":"dup","method":"daemon.info","method":7}',
  '{"jsonrpc":"2.0","id":1e999,"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":"\\ud800","method":"daemon.info"}',
  '{"jsonrpc":"2.0","id":"\\u0000","method":"daemon.info"}',
  '{"jsonrpc":"2.0","method":"daemon.info","params":{"__proto__":{"polluted":true}},"id":"proto"}',
  '{"jsonrpc":"2.0","method":"run.list","params":{"labels":{"__proto__":"x"}},"id":"proto2"}',
  '{"__proto__":{"jsonrpc":"2.0","method":"daemon.info"},"id":"proto3"}',
  '[{"jsonrpc":"2.0","method":"daemon.info"}]',
  '[{"jsonrpc":"2.0","method":"daemon.info"},{"jsonrpc":"2.0","method":"run.status"}]',
  '{"jsonrpc":"2.0","id":1,"method":"' + 'm'.repeat(200_000) + '"}',
];

/** Frames up to this size are streamed; bigger ones are the closing cases' business. */
const STREAMED_LIMIT = 1_040_000;

/** One streamed frame: everything a connection must survive and answer without being closed. */
export function randomFrame(random: Random, methods: readonly string[], nextId: () => string): StreamedFrame {
  for (;;) {
    const frame = anyFrame(random, methods, nextId);
    if (Buffer.byteLength(frame.data) <= STREAMED_LIMIT) return frame;
  }
}

function anyFrame(random: Random, methods: readonly string[], nextId: () => string): StreamedFrame {
  const frame = (data: string | Buffer, category: string): StreamedFrame => ({
    data,
    fragments: typeof data === 'string' && data.length > 4 && random.chance(0.03) ? random.between(2, 5) : 1,
    category,
  });
  const roll = random.next();
  if (roll < 0.08) return frame(randomText(random, 200), 'random text');
  // Binary frames close the connection (1003): they are among the closing cases, not streamed.
  if (roll < 0.12) return frame(randomText(random, 2_000), 'random text');
  if (roll < 0.22) {
    const whole = JSON.stringify(randomRequest(random, methods, nextId));
    return frame(whole.slice(0, random.int(whole.length)), 'truncated');
  }
  if (roll < 0.25) {
    const depth = random.chance(0.03) ? random.pick([100_000, 190_000]) : random.pick([64, 1_000, 10_000]);
    return frame(nested(random, depth), 'deeply nested');
  }
  if (roll < 0.32) return frame(random.pick(ODDITIES), 'json oddity');
  if (roll < 0.45) {
    const size = random.chance(0.1) ? random.between(101, 130) : random.between(1, 100);
    const items = Array.from({ length: size }, () =>
      random.chance(0.9) ? randomRequest(random, methods, nextId) : randomValue(random),
    );
    return frame(JSON.stringify(items), 'batch');
  }
  if (roll < 0.455) {
    // Large but under the 1 MiB limit: must be answered, not refused.
    const request = {
      jsonrpc: '2.0',
      id: nextId(),
      method: random.pick(methods),
      params: { pad: 'p'.repeat(random.between(100_000, 1_000_000)) },
    };
    return frame(JSON.stringify(request), 'large');
  }
  return frame(JSON.stringify(randomRequest(random, methods, nextId)), 'wrong-typed request');
}

/** What a daemon may answer an ExpectedAnswer of each kind with. */
export function codeMatches(kind: ExpectedAnswer['kind'], answer: { error?: { code: number } }): boolean {
  const code = answer.error?.code;
  switch (kind) {
    case 'parse_error':
      return code === -32700;
    case 'invalid_request':
      return code === -32600;
    case 'method_not_found':
      return code === -32601;
    case 'call':
      return code === undefined || code === -32602 || code >= 1000;
  }
}
