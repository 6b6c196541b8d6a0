// #/daemon: what daemon.info says about the daemon the page is connected to.
import { html } from 'htm/preact';
import type { ClusterNode, RunyardClient } from '../../client/browser.js';
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
    'nodeId',
    'nodes',
  ]);
  const extra = Object.entries(daemon).filter(([key]) => !known.has(key));
  const rows: [string, unknown][] = [
    ['Version', daemon.version],
    ['PID', daemon.pid],
    ['Started', formatTime(daemon.startedAt)],
    ['URL', daemon.url],
    ['Node', daemon.nodeId],
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
    ${daemon.nodes.length > 1 ? html`<${NodeTable} nodes=${daemon.nodes} self=${daemon.nodeId} />` : null}
  </section>`;
}

/** The nodes of the cluster, when there is more than this one. */
function NodeTable({ nodes, self }: { nodes: ClusterNode[]; self: string }) {
  return html`<h2>Nodes</h2>
    <table class="nodes">
      <thead>
        <tr>
          <th>Node</th>
          <th>State</th>
          <th>URL</th>
          <th>Version</th>
          <th>Last heartbeat</th>
        </tr>
      </thead>
      <tbody>
        ${nodes.map(
          (node) =>
            html`<tr key=${node.nodeId}>
              <td class="mono">${node.nodeId}${node.nodeId === self ? ' (this one)' : ''}</td>
              <td>${node.state}</td>
              <td class="mono">${node.url}</td>
              <td>${node.version}</td>
              <td>${formatTime(node.lastHeartbeatAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
