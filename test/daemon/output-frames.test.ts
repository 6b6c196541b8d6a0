// run.subscribe with outputFrames 'binary': output events as binary WebSocket messages carrying the log's
// bytes as they are (invalid UTF-8 included), in order with the JSON events; everyone else still gets JSON.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { connect, type FollowedEvent, type RunEvent } from 'runyard/client';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startProxy } from '../helpers/proxy.js';

type Output = Extract<RunEvent, { type: 'output' }>;
/** What a subscriber saw, in arrival order: JSON events, and output events of binary frames with their bytes. */
type Seen = { event: RunEvent; binary: boolean; bytes?: Buffer };

type Message = {
  id?: number;
  method?: string;
  params?: { subscriptionId: string; event: RunEvent };
  result?: { subscriptionId: string };
  error?: { code: number; message: string };
  /** The raw bytes after the header of a binary message. */
  bytes?: Buffer;
};

/** A socket that reads both kinds of message as the protocol documents them, independently of the SDK. */
class FrameSocket {
  readonly messages: Message[] = [];
  readonly #waiters = new Set<() => void>();
  binaryMessages = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.binaryMessages++;
        const headerEnd = 4 + data.readUInt32BE(0);
        const header = JSON.parse(data.subarray(4, headerEnd).toString('utf8')) as Message;
        this.messages.push({ ...header, bytes: data.subarray(headerEnd) });
      } else this.messages.push(JSON.parse(data.toString('utf8')) as Message);
      for (const wake of this.#waiters) wake();
    });
  }

  static async open(t: Test, daemon: TestDaemon): Promise<FrameSocket> {
    const ws = new WebSocket(daemon.url, [], { headers: { authorization: `Bearer ${daemon.token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    t.teardown(() => ws.close());
    return new FrameSocket(ws);
  }

  async #until(found: (message: Message) => boolean): Promise<Message> {
    for (;;) {
      const message = this.messages.find(found);
      if (message) return message;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
      });
    }
  }

  #nextId = 1;

  call(method: string, params: object): Promise<Message> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.#until((message) => message.id === id);
  }

  /** Every event of one subscription, in arrival order, once its end event has come. */
  async collect(subscriptionId: string): Promise<Seen[]> {
    const ours = (message: Message) =>
      message.method === 'run.event' && message.params!.subscriptionId === subscriptionId;
    await this.#until((message) => ours(message) && message.params!.event.type === 'end');
    return this.messages.filter(ours).map((message) => ({
      event: message.params!.event,
      binary: message.bytes !== undefined,
      ...(message.bytes ? { bytes: message.bytes } : {}),
    }));
  }
}

// Each part is its own write, 50 ms apart, so each is its own output event: a character split across
// two writes, bytes that are not UTF-8, and a character torn at the very end, which nothing completes.
const stdoutParts = [
  Buffer.from('héllo '),
  Buffer.from([0xe2, 0x82]), // the first two bytes of €
  Buffer.from([0xac, 0x0a]), // ... and its last
  Buffer.from([0x41, 0xff, 0xfe, 0x42, 0x0a]), // invalid UTF-8 inside ASCII
  Buffer.from('日本語\n'),
  Buffer.from([0xf0, 0x9f]), // half an emoji, and then the end
];
const stderrParts = [Buffer.from('warn ü\n')];
const writer = (gate: string) =>
  [
    `const fs = require('node:fs');`,
    `while (!fs.existsSync(${JSON.stringify(gate)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);`,
    `const out = ${JSON.stringify(stdoutParts.map((part) => [...part]))};`,
    `const err = ${JSON.stringify(stderrParts.map((part) => [...part]))};`,
    `let i = 0;`,
    `const step = () => {`,
    `  if (i === 2) fs.writeSync(2, Buffer.from(err[0]));`,
    `  if (i < out.length) { fs.writeSync(1, Buffer.from(out[i++])); setTimeout(step, 50); }`,
    `};`,
    `step();`,
  ].join('\n');

const outputOf = (seen: Seen[], stream: 'stdout' | 'stderr') =>
  seen.filter((s): s is Seen & { event: Output } => s.event.type === 'output' && s.event.stream === stream);

/** Checks one subscriber's view of a finished run: seqs, order, offsets, and the exact bytes of each stream. */
function checkBinaryView(t: Test, seen: Seen[]) {
  t.same(
    seen.map((s) => s.event.seq),
    seen.map((_, i) => i + 1),
    'every seq once, in order',
  );
  for (const s of seen)
    t.equal(s.binary, s.event.type === 'output', `seq ${s.event.seq} (${s.event.type}) as expected`);
  for (const [stream, parts] of [
    ['stdout', stdoutParts],
    ['stderr', stderrParts],
  ] as const) {
    const outputs = outputOf(seen, stream);
    let offset = 0;
    for (const { event, bytes } of outputs) {
      t.equal(event.offset, offset, `${stream} chunk at ${offset} starts where the one before ended`);
      t.equal(event.length, bytes!.length, 'length is the byte count of the frame');
      t.notOk('text' in event, 'a binary frame carries no text');
      offset += bytes!.length;
    }
    t.same(
      Buffer.concat(outputs.map((s) => s.bytes!)),
      Buffer.concat(parts),
      `${stream}: exactly the bytes written`,
    );
  }
  const types = seen.map((s) => (s.event.type === 'status' ? s.event.status : s.event.type));
  const firstOutput = types.indexOf('output');
  t.ok(types.indexOf('running') < firstOutput, 'running comes before the first output');
  t.ok(types.lastIndexOf('output') < types.indexOf('succeeded'), 'succeeded comes after the last output');
  t.equal(types.at(-1), 'end');
}

t.test('binary output frames', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const gate = join(daemon.home, 'go');
  const run = await client.run.start({ argv: [process.execPath, '-e', writer(gate)] });

  // Three subscribers of the same live run: binary, JSON, and one that asks for json explicitly.
  const binary = await FrameSocket.open(t, daemon);
  const json = await FrameSocket.open(t, daemon);
  const subscribe = (socket: FrameSocket, params: object) =>
    socket
      .call('run.subscribe', { runId: run.runId, fromSeq: 1, ...params })
      .then((a) => a.result!.subscriptionId);
  const binaryId = await subscribe(binary, { outputFrames: 'binary' });
  const sameConnectionJsonId = await subscribe(binary, {}); // the choice is per subscription
  const jsonId = await subscribe(json, {});
  const explicitJsonId = await subscribe(json, { outputFrames: 'json' });
  const allRuns = await json.call('run.subscribe', {}); // status of every run: never binary either
  t.ok(allRuns.result?.subscriptionId);
  await writeFile(gate, '');

  t.not(explicitJsonId, jsonId);
  const [live, asJson, asExplicitJson, besideBinary] = await Promise.all([
    binary.collect(binaryId),
    json.collect(jsonId),
    json.collect(explicitJsonId),
    binary.collect(sameConnectionJsonId),
  ]);

  t.test('the binary subscriber gets every byte in order, interleaved with the JSON events', async (t) => {
    checkBinaryView(t, live);
    t.ok(outputOf(live, 'stdout').length >= 4, 'the parts arrived as several events');
    const logged = await readFile(
      join((await client.run.status({ runId: run.runId })).runDir, 'logs/stdout.log'),
    );
    t.same(logged, Buffer.concat(stdoutParts), 'logs/stdout.log holds the same bytes');
  });

  t.test('JSON subscribers of the same run get JSON text, as before', async (t) => {
    t.equal(json.binaryMessages, 0, 'a connection that never opted in never gets a binary message');
    t.same(asExplicitJson, asJson, "outputFrames 'json' is the default");
    t.same(besideBinary, asJson, 'a JSON subscription beside a binary one on the same connection gets JSON');
    t.same(
      asJson.map((s) => s.event.seq),
      live.map((s) => s.event.seq),
      'the same events',
    );
    const decoder = new TextDecoder();
    for (const [i, s] of asJson.entries()) {
      const mine = live[i]!;
      if (s.event.type !== 'output') t.same(s.event, mine.event, `seq ${s.event.seq} identical`);
      else
        t.equal(
          s.event.text,
          decoder.decode(mine.bytes),
          `seq ${s.event.seq}: text is the frame's bytes as UTF-8`,
        );
    }
  });

  t.test('a finished run replays from disk as the same frames', async (t) => {
    const replaying = await FrameSocket.open(t, daemon);
    const id = await subscribe(replaying, { outputFrames: 'binary' });
    const replayed = await replaying.collect(id);
    checkBinaryView(t, replayed);
    t.same(
      replayed.map((s) => [s.event.seq, s.bytes]),
      live.map((s) => [s.event.seq, s.bytes]),
      'the same seqs with the same bytes',
    );
  });

  t.test('run.follow gives the bytes, and text decoded from them', async (t) => {
    const followed: FollowedEvent[] = [];
    for await (const event of client.run.follow(run.runId, { fromSeq: 1 })) followed.push(event);
    const stdout = followed.filter((e) => e.type === 'output' && e.stream === 'stdout');
    t.same(
      Buffer.concat(stdout.map((e) => (e.type === 'output' ? e.bytes : new Uint8Array()))),
      Buffer.concat(stdoutParts),
    );
    t.same(
      stdout.map((e) => e.type === 'output' && e.text),
      outputOf(asJson, 'stdout').map((s) => s.event.text),
      'text reads as the JSON subscriber’s',
    );
    t.same(
      followed.map((event) => JSON.parse(JSON.stringify(event)) as unknown),
      asJson.map((s) => s.event),
      'as JSON, every event is what a JSON subscriber gets (bytes is not enumerable)',
    );
  });

  t.test('a malformed outputFrames is refused with invalid params', async (t) => {
    for (const outputFrames of ['BINARY', true, null, 1]) {
      const answer = await json.call('run.subscribe', { runId: run.runId, outputFrames });
      t.equal(answer.error?.code, -32602, `${JSON.stringify(outputFrames)}: invalid params`);
      t.match(answer.error?.message, /outputFrames/, 'the message names the param');
    }
  });
});

t.test('a binary follower that loses its connection resumes by seq and gets every byte once', async (t) => {
  const daemon = await startDaemon(t);
  const proxy = await startProxy(t, daemon.url);
  const client = await connect({ url: proxy.url, token: daemon.token, reconnect: { initialDelayMs: 10 } });
  t.teardown(() => client.close());
  const gate = join(daemon.home, 'go');
  const run = await client.run.start({ argv: [process.execPath, '-e', writer(gate)] });
  await writeFile(gate, '');
  const events: FollowedEvent[] = [];
  for await (const event of client.run.follow(run.runId, { fromSeq: 1 })) {
    events.push(event);
    if (event.type === 'output' && event.stream === 'stdout' && proxy.connections === 1) proxy.cut();
  }
  t.equal(proxy.connections, 2, 'the follower reconnected once');
  t.same(
    events.map((event) => event.seq),
    events.map((_, i) => i + 1),
    'every seq once, in order',
  );
  const stdout = events.filter((e) => e.type === 'output' && e.stream === 'stdout');
  let offset = 0;
  for (const event of stdout) {
    if (event.type !== 'output') continue;
    t.equal(event.offset, offset);
    offset += event.bytes.length;
  }
  t.same(
    Buffer.concat(stdout.map((e) => (e.type === 'output' ? e.bytes : new Uint8Array()))),
    Buffer.concat(stdoutParts),
  );
  t.match(events.at(-1), { type: 'end', status: 'succeeded' });
});
