// Small pieces the views share.
import { html } from 'htm/preact';
import { ConnectError, type Progress } from '../client/browser.js';
import { formatLabels } from './format.js';
import type { Segment } from './ansi.js';
import type { TailLine } from './log-tail.js';

export const StatusBadge = ({ status }: { status: string | null }) =>
  html`<span class="status status-${status ?? 'none'}">${status ?? '—'}</span>`;

export const LabelList = ({ labels }: { labels: Record<string, string> }) =>
  html`${formatLabels(labels).map((label) => html`<span class="label" key=${label}>${label}</span>`)}`;

export function ProgressBar({ progress }: { progress: Progress | null }) {
  if (!progress) return html`<span class="muted">—</span>`;
  const share = progress.progress === null ? null : Math.max(0, Math.min(1, progress.progress));
  return html`<span class="progress" title=${progress.message ?? ''}>
    ${
      share !== null &&
      html`<span class="progress-bar"><span style=${{ width: `${share * 100}%` }}></span></span>`
    }
    <span class="progress-text">
      ${share !== null ? `${Math.round(share * 100)}%` : ''} ${progress.message ?? ''}
    </span>
  </span>`;
}

export const LOGIN_HINT = html`Run <code>npx runyard dashboard</code> to log in: it opens this page with a
  one-time login link.`;

/** The session cookie was refused (expired, or the token changed): a reconnect says so, as the first connect does. */
export const isLoggedOut = (error: unknown) =>
  error instanceof ConnectError && error.reason === 'token_refused';

export const ErrorLine = ({ error }: { error: Error | string | undefined }) => {
  if (!error) return null;
  if (isLoggedOut(error)) return html`<p class="error" role="alert">The session has ended. ${LOGIN_HINT}</p>`;
  return html`<p class="error" role="alert">${typeof error === 'string' ? error : error.message}</p>`;
};

export const Loading = () => html`<p class="muted">Loading…</p>`;

/** Previous and next over cursors: the stack holds the cursor of each page seen, the first being none. */
export function Pager(props: {
  cursors: (string | undefined)[];
  nextCursor: string | null | undefined;
  onChange: (cursors: (string | undefined)[]) => void;
}) {
  const { cursors, nextCursor, onChange } = props;
  return html`<div class="pager">
    <button disabled=${cursors.length <= 1} onClick=${() => onChange(cursors.slice(0, -1))}>‹ Newer</button>
    <span class="muted">page ${cursors.length}</span>
    <button disabled=${!nextCursor} onClick=${() => onChange([...cursors, nextCursor!])}>Older ›</button>
  </div>`;
}

const SegmentSpan = ({ segment }: { segment: Segment }) =>
  segment.classes || segment.style
    ? html`<span class=${segment.classes} style=${segment.style}>${segment.text}</span>`
    : segment.text;

export const LogLines = ({ lines, name }: { lines: TailLine[]; name: string }) =>
  html`<pre class="log" data-stream=${name}>
${lines.map(
      (line) =>
        html`<div class="log-line" key=${line.id}>
          ${line.segments.map((segment) => html`<${SegmentSpan} segment=${segment} />`)}
        </div>`,
    )}</pre>`;
