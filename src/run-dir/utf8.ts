// UTF-8 boundaries: where a byte buffer can be cut without splitting a character.

/** Length of the longest prefix of buffer[0, length) that does not end inside a multi-byte character. */
export function completeUtf8Length(buffer: Uint8Array, length = buffer.length): number {
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = buffer[length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}
