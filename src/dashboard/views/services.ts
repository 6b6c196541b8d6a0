// #/services: actions (with a button that starts one) and services with their state, controls and
// each action's last failure with the end of its stderr.
import { html } from 'htm/preact';
import type { Action, ServiceStatus, RunyardClient } from '../../client/browser.js';
import { ErrorLine, Loading, StatusBadge } from '../components.js';
import { formatDuration, formatTime } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { joinCommand } from '../split-command.js';

const POLL_MS = 3000;
const STDERR_TAIL_BYTES = 4096;

export function ServicesView({ client }: { client: RunyardClient }) {
  const actions = useLoad(() => client.action.list(), 'actions');
  const services = useLoad(
    async () => {
      const { services } = await client.service.list();
      return Promise.all(services.map((service) => client.service.status({ name: service.spec.name })));
    },
    'services',
    POLL_MS,
  );
  return html`<section>
    <h1>Services</h1>
    <${ErrorLine} error=${services.error} />
    ${
      services.value
        ? services.value.length === 0
          ? html`<p class="muted">No services.</p>`
          : services.value.map(
              (status) =>
                html`<${ServiceCard}
                  key=${status.name}
                  client=${client}
                  status=${status}
                  onChange=${services.reload}
                />`,
            )
        : html`<${Loading} />`
    }
    <h1>Actions</h1>
    <${ErrorLine} error=${actions.error} />
    ${
      actions.value
        ? html`<${ActionTable} client=${client} actions=${actions.value.actions} />`
        : html`<${Loading} />`
    }
  </section>`;
}

function ServiceCard(props: { client: RunyardClient; status: ServiceStatus; onChange: () => void }) {
  const { client, status, onChange } = props;
  const control = useAction();
  const name = status.name;
  const button = (label: string, act: () => Promise<unknown>) =>
    html`<button
      name=${label.toLowerCase()}
      disabled=${control.busy}
      onClick=${() => control.run(act, onChange)}
    >
      ${label}
    </button>`;
  return html`<article class="service" data-service=${name}>
    <h2>
      ${name} <span class="state state-${status.state}">${status.state}</span>
      ${button('Start', () => client.service.start({ name }))}
      ${button('Stop', () => client.service.stop({ name }))}
      ${button('Restart', () => client.service.restart({ name }))}
    </h2>
    <${ErrorLine} error=${control.error} />
    <table>
      <thead>
        <tr>
          <th>Action</th>
          <th>Run</th>
          <th>Status</th>
          <th>PID</th>
          <th>Uptime</th>
          <th>Restarts</th>
          <th>Next restart</th>
        </tr>
      </thead>
      <tbody>
        ${status.actions.map(
          (action) =>
            html`<tr key=${action.action}>
              <td>${action.action}</td>
              <td>
                ${action.runId && html`<a class="mono" href=${`#/runs/${action.runId}`}>${action.runId}</a>`}
              </td>
              <td><${StatusBadge} status=${action.status} /></td>
              <td>${action.pid ?? ''}</td>
              <td>${formatDuration(action.uptimeMs)}</td>
              <td>${action.restarts} / ${action.startLimit.maxRestarts}</td>
              <td>${formatTime(action.nextRestartAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${status.actions
      .filter((action) => action.lastFailure)
      .map(
        (action) =>
          html`<${LastFailure}
            key=${action.action}
            client=${client}
            action=${action.action}
            failure=${action.lastFailure!}
          />`,
      )}
  </article>`;
}

function LastFailure(props: {
  client: RunyardClient;
  action: string;
  failure: NonNullable<ServiceStatus['actions'][number]['lastFailure']>;
}) {
  const { client, action, failure } = props;
  const stderr = useLoad(async () => {
    const { size } = await client.run.logs({ runId: failure.runId, stream: 'stderr', limit: 1 });
    const offset = Math.max(0, size - STDERR_TAIL_BYTES);
    return (
      await client.run.logs({ runId: failure.runId, stream: 'stderr', offset, limit: STDERR_TAIL_BYTES })
    ).text;
  }, failure.runId);
  return html`<div class="failure">
    <p>
      Last failure of ${action}: <a class="mono" href=${`#/runs/${failure.runId}`}>${failure.runId}</a>
      <${StatusBadge} status=${failure.status} /> ${formatTime(failure.at)}
      ${failure.error && ` · ${failure.error.reason}: ${failure.error.message}`}
    </p>
    <pre class="log">${stderr.value ?? ''}</pre>
  </div>`;
}

function ActionTable({ client, actions }: { client: RunyardClient; actions: Action[] }) {
  const start = useAction();
  if (actions.length === 0) return html`<p class="muted">No actions.</p>`;
  return html`<${ErrorLine} error=${start.error} />
    <table class="actions">
      <thead>
        <tr>
          <th>Name</th>
          <th>Command</th>
          <th>Description</th>
          <th>Source</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${actions.map(
          ({ spec, source }) =>
            html`<tr key=${spec.name} data-action=${spec.name}>
              <td>${spec.name}</td>
              <td class="mono">${joinCommand(spec.argv)}</td>
              <td>${spec.description ?? ''}</td>
              <td>${source}</td>
              <td>
                <button
                  name="run"
                  disabled=${start.busy}
                  onClick=${() =>
                    start.run(async () => {
                      const run = await client.run.start({ action: spec.name });
                      location.hash = `#/runs/${run.runId}`;
                    })}
                >
                  Run
                </button>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
