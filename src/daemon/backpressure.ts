// Socket backpressure: how many unsent bytes a connection may hold, and waiting until it has drained.
import type { WebSocket } from 'ws';

// A client that stops reading must not make the daemon hold what it sends without bound. Past HIGH_WATER
// unsent bytes a socket is backed up: its requests are no longer read, its live events are dropped for a
// run.gap. It counts as drained again below LOW_WATER, so that one message does not flip it back and forth.
export const HIGH_WATER_BYTES = 8 * 1_048_576;
export const LOW_WATER_BYTES = 1_048_576;
// ws emits no event when its send buffer empties, so bufferedAmount is polled: a drained socket waits at
// most 20 ms to be read again or to get its gap notice.
const DRAIN_POLL_MS = 20;

export const isBackedUp = (socket: WebSocket, highWaterBytes = HIGH_WATER_BYTES) =>
  socket.bufferedAmount > highWaterBytes;

/** Resolves once the socket holds at most `bytes` unsent, or is no longer open. */
export async function drained(socket: WebSocket, bytes: number): Promise<void> {
  while (socket.readyState === socket.OPEN && socket.bufferedAmount > bytes) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS).unref());
  }
}
