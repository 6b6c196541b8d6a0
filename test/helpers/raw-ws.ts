// WebSocket spoken by hand over TCP: to send what no well-behaved client library would send.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface FrameOptions {
  fin?: boolean;
  /** RSV1-3 bits (0-7); set without a negotiated extension they are a protocol error. */
  rsv?: number;
  /** Clients must mask every frame; false sends it bare. */
  mask?: boolean;
  /** Announce this payload length instead of the real one (for lies about the length). */
  announcedLength?: bigint;
}

/** Encodes one frame as a client would send it (masked unless told otherwise). */
export function encodeFrame(opcode: number, payload: Buffer, options: FrameOptions = {}): Buffer {
  const { fin = true, rsv = 0, mask = true } = options;
  const length = options.announcedLength ?? BigInt(payload.length);
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65_536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ key[index % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

export interface RawConnection {
  socket: Socket;
  /** Resolves with the close code of the first close frame the server sends, or null if it just hangs up. */
  closeCode: Promise<number | null>;
  /** Everything the server sent after the handshake. */
  received(): Buffer;
}

/** Opens TCP, performs the upgrade with the token, and resolves once the server answered 101. */
export async function openRaw(url: string, token: string): Promise<RawConnection> {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  socket.write(handshakeRequest(url, token, pathname));
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let resolveClose!: (code: number | null) => void;
  const closeCode = new Promise<number | null>((resolve) => (resolveClose = resolve));
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101'))
          return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve();
      }
      const code = firstCloseCode(buffer);
      if (code !== undefined) resolveClose(code);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      reject(new Error('closed before the upgrade'));
      resolveClose(firstCloseCode(buffer) ?? null);
    });
  });
  await opened;
  return { socket, closeCode, received: () => buffer };
}

/** The HTTP upgrade request a client sends (write part of it to abandon a handshake midway). */
export function handshakeRequest(url: string, token: string, path = new URL(url).pathname): string {
  const { host } = new URL(url);
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
    `Authorization: Bearer ${token}\r\n\r\n`
  );
}

/** The status code of the first complete close frame in what a server sent, if there is one. */
function firstCloseCode(bytes: Buffer): number | undefined {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > bytes.length) return undefined;
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > bytes.length) return undefined;
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) return undefined;
    if (opcode === OPCODE.close) return length >= 2 ? bytes.readUInt16BE(start) : 1005;
    at = start + length;
  }
  return undefined;
}
