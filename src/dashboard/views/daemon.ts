// #/daemon: what daemon.info says about the daemon the page is connected to.
import { html } from 'htm/preact';
import type { RunyardClient } from '../../client/browser.js';
import { ErrorLine, Loading } from '../components.js';
import { formatBytes, formatTime } from '../format.js';
import { useLoad } from '../hooks.js';

export function DaemonView({ client }: { client: RunyardClient }) {
  const info = useLoad(() => client.daemon.info(), 'info', 5000);
  const daemon = info.value;
  if (!daemon)
    return html`<section>
      <h1>Daemon</h1>
      <${ErrorLine} error=${info.error} /><${Loading} />
    </section>`;
  // Fields a newer daemon adds are shown as they come.
  const known = new Set([
    'version',
    'pid',
    'startedAt',
    'url',
    'runsDir',
    'stateDir',
    'configFile',
    'limits',
    'connections',
  ]);
  const extra = Object.entries(daemon).filter(([key]) => !known.has(key));
  const rows: [string, unknown][] = [
    ['Version', daemon.version],
    ['PID', daemon.pid],
    ['Started', formatTime(daemon.startedAt)],
    ['URL', daemon.url],
    ['Runs directory', daemon.runsDir],
    ['State directory', daemon.stateDir],
    ['Config file', daemon.configFile ?? '—'],
    ['Largest message', formatBytes(daemon.limits.maxPayloadBytes)],
    ['Largest batch', daemon.limits.maxBatchSize],
    ['Requests in flight per connection', daemon.limits.maxInFlight],
    ['Handshake deadline', `${daemon.limits.handshakeTimeoutMs} ms`],
    ['Connections per address', daemon.limits.maxConnectionsPerPeer],
    ['Connections open', daemon.connections.open],
    ['Subscriptions open', daemon.connections.subscriptions],
    ...extra.map(([key, value]): [string, unknown] => [
      key,
      typeof value === 'object' ? JSON.stringify(value) : value,
    ]),
  ];
  return html`<section>
    <h1>Daemon</h1>
    <${ErrorLine} error=${info.error} />
    <table class="record">
      ${rows.map(
        ([name, value]) =>
          html`<tr>
            <th>${name}</th>
            <td class="mono">${value}</td>
          </tr>`,
      )}
    </table>
  </section>`;
}
