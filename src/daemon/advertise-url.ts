// `--advertise-url`: the URL the other nodes of a cluster reach this daemon at, when its listen address is
// not one they can use (0.0.0.0, a port behind NAT, a proxy's TLS). Checked before anything starts.
import { StartFailure } from '../schema/start-failure.js';

/** The URL as given, once it is one a peer's WebSocket client can open; else advertise_url_invalid. */
export function checkAdvertiseUrl(source: string, value: string): string {
  const invalid = (problem: string) =>
    new StartFailure('advertise_url_invalid', `${source} "${value}" is not usable: ${problem}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('it is not a URL (ws://HOST:PORT/rpc or wss://HOST:PORT/rpc)');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw invalid('it must start with ws:// or wss://');
  if (url.hostname === '') throw invalid('it names no host');
  // The token goes in a header, never in the URL, which every node shows in daemon.info.
  if (url.username !== '' || url.password !== '') throw invalid('it must not hold a user or password');
  if (url.hash !== '') throw invalid('it must not have a #fragment');
  return value;
}
