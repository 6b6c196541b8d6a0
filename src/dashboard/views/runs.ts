// #/runs: the live table of runs, its filters, search, and a form to start a command.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import {
  runStatuses,
  type RunListParams,
  type RunRecord,
  type RunStatus,
  type RunyardClient,
} from '../../client/browser.js';
import { ErrorLine, LabelList, Loading, Pager, ProgressBar, StatusBadge } from '../components.js';
import { elapsed, formatDuration, formatTime } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { parseLabels, searchRuns } from '../run-search.js';
import { joinCommand, splitCommand } from '../split-command.js';

const POLL_MS = 2000;
const PAGE_SIZE = 50;

interface Filters {
  status: string;
  action: string;
  service: string;
  label: string;
}

function listParams(filters: Filters): RunListParams {
  const labels = parseLabels(filters.label);
  return {
    limit: PAGE_SIZE,
    ...(filters.status ? { status: [filters.status as RunStatus] } : {}),
    ...(filters.action ? { actionId: filters.action } : {}),
    ...(filters.service ? { serviceId: filters.service } : {}),
    ...(labels ? { labels } : {}),
  };
}

export function RunsView({ client }: { client: RunyardClient }) {
  const [filters, setFilters] = useState<Filters>({ status: '', action: '', service: '', label: '' });
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  const params = listParams(filters);
  const cursor = cursors.at(-1);
  const page = useLoad(
    () => searchRuns(client, searched, params, cursor),
    JSON.stringify([params, searched, cursor]),
    POLL_MS,
  );
  const names = useLoad(
    async () => ({
      actions: (await client.action.list()).actions.map((action) => action.spec.name),
      services: (await client.service.list()).services.map((service) => service.spec.name),
    }),
    'names',
  );
  const filter = (key: keyof Filters) => (event: Event) => {
    setFilters({ ...filters, [key]: (event.target as HTMLInputElement).value });
    setCursors([undefined]);
  };
  const find = (text: string) => {
    setQuery(text);
    setSearched(text.trim());
    setCursors([undefined]);
  };
  const select = (key: keyof Filters, options: readonly string[]) =>
    html`<select name=${key} value=${filters[key]} onChange=${filter(key)}>
      <option value="">any ${key}</option>
      ${options.map((option) => html`<option value=${option}>${option}</option>`)}
    </select>`;
  return html`<section>
    <h1>Runs</h1>
    <${StartForm} client=${client} />
    <form class="filters" onSubmit=${(event: Event) => (event.preventDefault(), find(query))}>
      ${select('status', runStatuses)} ${select('action', names.value?.actions ?? [])}
      ${select('service', names.value?.services ?? [])}
      <input name="label" placeholder="label=value" value=${filters.label} onChange=${filter('label')} />
      <input
        name="search"
        type="search"
        placeholder="Search id, label, command"
        value=${query}
        onInput=${(event: Event) => setQuery((event.target as HTMLInputElement).value)}
      />
      <button type="submit">Search</button>
      ${searched && html`<button type="button" onClick=${() => find('')}>Clear</button>`}
    </form>
    <${ErrorLine} error=${page.error} />
    ${searched && html`<p class="muted">Runs found for “${searched}”</p>`}
    ${
      page.value
        ? html`<${RunTable} runs=${page.value.runs} />
            <${Pager} cursors=${cursors} nextCursor=${page.value.nextCursor} onChange=${setCursors} />`
        : html`<${Loading} />`
    }
  </section>`;
}

function StartForm({ client }: { client: RunyardClient }) {
  const [command, setCommand] = useState('');
  const start = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const argv = splitCommand(command);
    if (argv.length === 0) return;
    start.run(async () => {
      const run = await client.run.start({ argv });
      location.hash = `#/runs/${run.runId}`;
    });
  };
  return html`<form class="start" onSubmit=${submit}>
    <input
      name="command"
      placeholder="Command to run, e.g. make test"
      value=${command}
      onInput=${(event: Event) => setCommand((event.target as HTMLInputElement).value)}
    />
    <button type="submit" disabled=${start.busy}>Start run</button>
    <${ErrorLine} error=${start.error} />
  </form>`;
}

/** Node of a clustered daemon's run, when the record carries one. */
const nodeOf = (run: RunRecord) => (run as RunRecord & { node?: string }).node;

export function RunTable({ runs }: { runs: RunRecord[] }) {
  if (runs.length === 0) return html`<p class="muted">No runs.</p>`;
  const clustered = runs.some((run) => nodeOf(run) !== undefined);
  return html`<table class="runs">
    <thead>
      <tr>
        <th>Status</th>
        <th>Run</th>
        <th>Command</th>
        <th>Action</th>
        <th>Service</th>
        <th>Labels</th>
        ${clustered && html`<th>Node</th>`}
        <th>Started</th>
        <th>Duration</th>
        <th>Progress</th>
      </tr>
    </thead>
    <tbody>
      ${runs.map(
        (run) =>
          html`<tr key=${run.runId} data-run=${run.runId}>
            <td><${StatusBadge} status=${run.status} /></td>
            <td><a class="mono" href=${`#/runs/${run.runId}`}>${run.runId}</a></td>
            <td class="mono command">${joinCommand(run.argv)}</td>
            <td>${run.actionId ?? ''}</td>
            <td>${run.serviceId ?? ''}</td>
            <td><${LabelList} labels=${run.labels} /></td>
            ${clustered && html`<td>${nodeOf(run) ?? ''}</td>`}
            <td>${formatTime(run.startedAt)}</td>
            <td>${formatDuration(elapsed(run.startedAt, run.finishedAt))}</td>
            <td><${ProgressBar} progress=${run.progress} /></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
