// #/retained: retained runs a page at a time, the latest first; #/retained/<run>: its reports and artifacts.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import {
  retainedStatuses,
  type RetainedRun,
  type RetainedStatus,
  type RunyardClient,
} from '../../client/browser.js';
import { download, readText } from '../artifact-file.js';
import { ErrorLine, LabelList, Loading, Pager, StatusBadge } from '../components.js';
import { formatBytes, formatDuration, formatTime } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { renderMarkdown } from '../markdown.js';

const PAGE_SIZE = 50;
/** Reports larger than this are offered as a download only. */
const PREVIEW_BYTES = 1_048_576;

const retainedHref = (run: RetainedRun) => `#/retained/${encodeURIComponent(run.dir)}`;

export function RetainedView({ client }: { client: RunyardClient }) {
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const filter = status ? { status: [status as RetainedStatus] } : {};
  const latest = useLoad(() => client.retained.latest(filter), status);
  const page = useLoad(
    () => client.retained.list({ ...filter, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    `${status} ${cursor}`,
  );
  return html`<section>
    <h1>Retained runs</h1>
    <div class="filters">
      <select
        name="status"
        value=${status}
        onChange=${(event: Event) => (setStatus((event.target as HTMLSelectElement).value), setCursors([undefined]))}
      >
        <option value="">any status</option>
        ${retainedStatuses.map((option) => html`<option value=${option}>${option}</option>`)}
      </select>
    </div>
    ${
      latest.value &&
      html`<p class="latest">
        Latest: <a href=${retainedHref(latest.value)}>${latest.value.runId}</a>
        <${StatusBadge} status=${latest.value.status} /> ${formatTime(latest.value.finishedAt)}
      </p>`
    }
    <${ErrorLine} error=${page.error ?? latest.error} />
    ${
      page.value
        ? html`<${RetainedTable} runs=${page.value.runs} />
            <p class="muted">
              ${page.value.skipped > 0 && `${page.value.skipped} unreadable directories skipped. `}
              ${page.value.incomplete > 0 && `${page.value.incomplete} without a summary.`}
            </p>
            <${Pager} cursors=${cursors} nextCursor=${page.value.nextCursor} onChange=${setCursors} />`
        : html`<${Loading} />`
    }
  </section>`;
}

function RetainedTable({ runs }: { runs: RetainedRun[] }) {
  if (runs.length === 0) return html`<p class="muted">No retained runs.</p>`;
  return html`<table class="retained">
    <thead>
      <tr>
        <th>Status</th>
        <th>Run</th>
        <th>Action</th>
        <th>Service</th>
        <th>Labels</th>
        <th>Finished</th>
        <th>Duration</th>
        <th>Attempts</th>
        <th>Exit</th>
      </tr>
    </thead>
    <tbody>
      ${runs.map(
        (run) =>
          html`<tr key=${run.dir} data-run=${run.runId}>
            <td><${StatusBadge} status=${run.status} /></td>
            <td><a class="mono" href=${retainedHref(run)}>${run.dir}</a></td>
            <td>${run.actionId ?? ''}</td>
            <td>${run.serviceId ?? ''}</td>
            <td><${LabelList} labels=${run.labels} /></td>
            <td>${formatTime(run.finishedAt)}</td>
            <td>${formatDuration(run.durationMs)}</td>
            <td>${run.attempts}</td>
            <td>${run.exitCode ?? run.signal ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function RetainedRunView({ client, runId }: { client: RunyardClient; runId: string }) {
  const reports = useLoad(() => client.retained.reports({ runId }), runId);
  const manifest = useLoad(() => client.retained.artifactManifest({ runId }), runId);
  const saving = useAction();
  return html`<section>
    <h1>Retained run <span class="mono">${runId}</span></h1>
    <h2>Reports</h2>
    <${ErrorLine} error=${reports.error} />
    ${
      reports.value
        ? reports.value.reports.length === 0
          ? html`<p class="muted">No reports.</p>`
          : reports.value.reports.map(
              (report) =>
                html`<${ReportView} key=${report.path} client=${client} runId=${runId} report=${report} />`,
            )
        : html`<${Loading} />`
    }
    <h2>Artifacts</h2>
    <${ErrorLine} error=${manifest.error ?? saving.error} />
    ${
      manifest.value
        ? html`<table class="artifacts">
              <thead>
                <tr>
                  <th>Path</th>
                  <th>Size</th>
                  <th>SHA-256</th>
                  <th>Media type</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${manifest.value.artifacts.map(
                  (artifact) =>
                    html`<tr key=${artifact.path}>
                      <td class="mono">${artifact.path}</td>
                      <td>${formatBytes(artifact.size)}</td>
                      <td class="mono sha">${artifact.sha256}</td>
                      <td>${artifact.mediaType}</td>
                      <td>
                        <button
                          name="download"
                          disabled=${saving.busy}
                          onClick=${() => saving.run(() => download(client, runId, artifact.path))}
                        >
                          Download
                        </button>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <p class="muted">${manifestNote(manifest.value)}</p>`
        : html`<${Loading} />`
    }
  </section>`;
}

const manifestNote = ({ source, omitted }: { source: string; omitted: number }) =>
  `Manifest: ${source}${omitted > 0 ? `, ${omitted} entries omitted` : ''}.`;

const isMarkdown = (path: string, mediaType: string) => mediaType === 'text/markdown' || /\.md$/i.test(path);
const isText = (mediaType: string) => /^text\/|^application\/(json|xml)/.test(mediaType);

function ReportView(props: {
  client: RunyardClient;
  runId: string;
  report: { path: string; size: number; mediaType: string };
}) {
  const { client, runId, report } = props;
  const shown = isText(report.mediaType) && report.size <= PREVIEW_BYTES;
  const body = useLoad(
    () => (shown ? readText(client, runId, report.path, PREVIEW_BYTES) : Promise.resolve(undefined)),
    `${runId} ${report.path}`,
  );
  const saving = useAction();
  return html`<article class="report" data-path=${report.path}>
    <h3>
      <span class="mono">${report.path}</span>
      <span class="muted">${formatBytes(report.size)} · ${report.mediaType}</span>
      <button disabled=${saving.busy} onClick=${() => saving.run(() => download(client, runId, report.path))}>
        Download
      </button>
    </h3>
    <${ErrorLine} error=${body.error ?? saving.error} />
    ${
      body.value &&
      (isMarkdown(report.path, report.mediaType)
        ? html`<div
            class="markdown"
            dangerouslySetInnerHTML=${{ __html: renderMarkdown(body.value.text) }}
          ></div>`
        : html`<pre class="text">${body.value.text}</pre>`)
    }
  </article>`;
}
