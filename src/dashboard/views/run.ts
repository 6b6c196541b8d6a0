// #/runs/<id>: one run's record, attempts, live output tail, events, progress, and cancel.
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { RunEvent, RunRecord, RunyardClient } from '../../client/browser.js';
import { ErrorLine, LabelList, LogLines, Loading, ProgressBar, StatusBadge } from '../components.js';
import { elapsed, formatDuration, formatTime } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { RunFeed } from '../run-feed.js';
import { joinCommand } from '../split-command.js';

const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted']);
/** Re-render at most this often while output streams in. */
const RENDER_MS = 100;
// Output events are in the same log and carry their text: a page stays small so a chatty run costs little.
const EVENTS_PAGE = 100;

export function RunView({ client, runId }: { client: RunyardClient; runId: string }) {
  const [feed, version] = useFeed(client, runId);
  const record = useLoad(() => client.run.status({ runId }), `${runId} ${version.status}`);
  const cancel = useAction();
  const run = record.value;
  if (!run)
    return html`<section>
      <h1>Run ${runId}</h1>
      <${ErrorLine} error=${record.error} /><${Loading} />
    </section>`;
  const finished = TERMINAL.has(run.status);
  return html`<section>
    <h1>
      Run <span class="mono">${run.runId}</span> <${StatusBadge} status=${run.status} />
      ${
        !finished &&
        html`<button
          class="danger"
          name="cancel"
          disabled=${cancel.busy}
          onClick=${() => cancel.run(() => client.run.cancel({ runId }).then(record.reload))}
        >
          Cancel
        </button>`
      }
    </h1>
    <${ErrorLine} error=${cancel.error ?? record.error} />
    <${RecordTable} run=${run} />
    <h2>Output</h2>
    ${(['stdout', 'stderr'] as const).map(
      (stream) =>
        html`<h3>
            ${stream}${feed.tails[stream].dropped > 0 && html` <span class="muted">(last lines only)</span>`}
          </h3>
          <${LogLines} name=${stream} lines=${feed.tails[stream].lines()} />`,
    )}
    <h2>Attempts</h2>
    <${EventsView} client=${client} runId=${runId} live=${feed.events} version=${version.events} />
  </section>`;
}

/** The run's feed, and counters that change when it renders anew or its status may have changed. */
function useFeed(client: RunyardClient, runId: string): [RunFeed, { status: number; events: number }] {
  const feed = useMemo(() => new RunFeed(client, runId), [client, runId]);
  const [version, setVersion] = useState({ status: 0, events: 0 });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = (event: RunEvent | undefined) => {
      if (event && event.type !== 'output')
        setVersion((v) => ({ status: v.status + 1, events: v.events + 1 }));
      timer ??= setTimeout(() => {
        timer = undefined;
        setVersion((v) => ({ ...v }));
      }, RENDER_MS);
    };
    feed.follow(controller.signal, changed).catch(() => {});
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [feed]);
  return [feed, version];
}

function RecordTable({ run }: { run: RunRecord }) {
  const fields: [string, unknown][] = [
    ['Action', run.actionId ?? '—'],
    ['Service', run.serviceId ?? '—'],
    ['Attempt', `${run.attempt} of ${run.maxAttempts}`],
    ['Progress', html`<${ProgressBar} progress=${run.progress} />`],
    ['Created', formatTime(run.createdAt)],
    ['Started', formatTime(run.startedAt)],
    ['Finished', formatTime(run.finishedAt)],
    ['Duration', formatDuration(elapsed(run.startedAt, run.finishedAt))],
    ['Exit', run.exitCode ?? run.signal ?? '—'],
    ['Error', run.error ? `${run.error.reason}: ${run.error.message}` : '—'],
    ['Priority', run.priority],
    ['Queue position', run.queuePosition ?? '—'],
  ];
  const wide: [string, unknown][] = [
    ['Command', html`<span class="mono">${joinCommand(run.argv)}</span>`],
    ['Labels', html`<${LabelList} labels=${run.labels} />`],
    // Both empty while the run waits in a cluster's shared queue: the node that claims it sets them.
    [
      'Directory',
      run.runDir ? html`<span class="mono">${run.runDir}</span>` : "— (waiting in the cluster's queue)",
    ],
    ['Working directory', run.cwd ? html`<span class="mono">${run.cwd}</span>` : '—'],
  ];
  return html`<dl class="fields">
    ${wide.map(
      ([name, value]) =>
        html`<div class="wide">
          <dt>${name}</dt>
          <dd>${value}</dd>
        </div>`,
    )}
    ${fields.map(
      ([name, value]) =>
        html`<div>
          <dt>${name}</dt>
          <dd>${value}</dd>
        </div>`,
    )}
  </dl>`;
}

/** The run's events from the first, a page at a time and without output, then those that happen while the page is open. */
function EventsView(props: { client: RunyardClient; runId: string; live: RunEvent[]; version: number }) {
  const { client, runId, live } = props;
  const [history, setHistory] = useState<{ events: RunEvent[]; nextSeq: number; end: boolean }>();
  const loading = useAction();
  // Pages of the event log from the start; only the events that are not output are kept.
  const loadMore = () =>
    loading.run(async () => {
      const page = await client.run.events({ runId, fromSeq: history?.nextSeq ?? 1, limit: EVENTS_PAGE });
      const events = page.events.filter((event) => event.type !== 'output');
      setHistory((old) => ({
        events: [...(old?.events ?? []), ...events],
        nextSeq: page.nextSeq,
        end: page.end,
      }));
    });
  useEffect(loadMore, [runId]);
  const seen = new Set<number>();
  const events = [...(history?.events ?? []), ...live].filter(
    (event) => event.type !== 'output' && !seen.has(event.seq) && seen.add(event.seq),
  );
  const attempts = events.filter((event) => event.type === 'attempt');
  return html`
    <table class="attempts">
      <thead>
        <tr>
          <th>Attempt</th>
          <th>Phase</th>
          <th>Time</th>
          <th>PID</th>
          <th>Exit</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>
        ${attempts.map(
          (event) =>
            html`<tr key=${event.seq}>
              <td>${event.attempt}</td>
              <td>${event.phase}</td>
              <td>${formatTime(event.time)}</td>
              <td>${event.pid ?? ''}</td>
              <td>${event.exitCode ?? event.signal ?? ''}</td>
              <td>${event.outcome ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Events</h2>
    <${ErrorLine} error=${loading.error} />
    <table class="events">
      <thead>
        <tr>
          <th>Seq</th>
          <th>Time</th>
          <th>Type</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (event) =>
            html`<tr key=${event.seq}>
              <td>${event.seq}</td>
              <td>${formatTime(event.time)}</td>
              <td>${event.type}</td>
              <td>${describeEvent(event)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      history &&
      !history.end &&
      html`<button disabled=${loading.busy} onClick=${loadMore}>More events</button>`
    }
  `;
}

function describeEvent(event: RunEvent): string {
  switch (event.type) {
    case 'status':
      return [event.status, event.reason, event.nextAttemptAt && `next at ${formatTime(event.nextAttemptAt)}`]
        .filter(Boolean)
        .join(' · ');
    case 'attempt':
      return `attempt ${event.attempt} ${event.phase}${event.outcome ? ` (${event.outcome})` : ''}`;
    case 'progress':
      return [event.progress !== null && `${Math.round(event.progress * 100)}%`, event.message]
        .filter(Boolean)
        .join(' ');
    case 'note':
      return event.message;
    case 'end':
      return event.status;
    case 'output':
      return `${event.stream} ${event.length} bytes`;
  }
}
