// The page: the connection, the navigation and the view the hash route names.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { LOGIN_HINT } from './components.js';
import { openConnection, type Connection } from './connection.js';
import { useRoute } from './hooks.js';
import { DaemonView } from './views/daemon.js';
import { RetainedRunView, RetainedView } from './views/retained.js';
import { RunView } from './views/run.js';
import { RunsView } from './views/runs.js';
import { ServicesView } from './views/services.js';
import type { RunyardClient } from '../client/browser.js';

const SECTIONS = [
  ['runs', 'Runs'],
  ['retained', 'Retained'],
  ['services', 'Services'],
  ['daemon', 'Daemon'],
] as const;

export function App() {
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  const route = useRoute();
  useEffect(() => {
    openConnection().then(setConnection, (error: unknown) =>
      setConnection({ state: 'failed', message: String(error) }),
    );
  }, []);
  const section = route[0] ?? 'runs';
  return html`<header>
      <a class="brand" href="#/runs">runyard</a>
      <nav>
        ${SECTIONS.map(
          ([id, name]) => html`<a href=${`#/${id}`} class=${section === id ? 'active' : ''}>${name}</a>`,
        )}
      </nav>
    </header>
    <main>${body(connection, route)}</main>`;
}

function body(connection: Connection, route: string[]) {
  switch (connection.state) {
    case 'connecting':
      return html`<p class="muted">Connecting…</p>`;
    case 'login':
      return html`<section class="login">
        <h1>Not logged in</h1>
        <p>${LOGIN_HINT}</p>
      </section>`;
    case 'failed':
      return html`<section class="login">
        <h1>Cannot reach the daemon</h1>
        <p class="error">${connection.message}</p>
        <p><button onClick=${() => location.reload()}>Try again</button></p>
      </section>`;
    case 'ready':
      return view(connection.client, route);
  }
}

function view(client: RunyardClient, [section, id]: string[]) {
  if (section === 'runs' && id) return html`<${RunView} key=${id} client=${client} runId=${id} />`;
  if (section === 'retained' && id)
    return html`<${RetainedRunView} key=${id} client=${client} runId=${id} />`;
  if (section === 'retained') return html`<${RetainedView} client=${client} />`;
  if (section === 'services') return html`<${ServicesView} client=${client} />`;
  if (section === 'daemon') return html`<${DaemonView} client=${client} />`;
  return html`<${RunsView} client=${client} />`;
}
