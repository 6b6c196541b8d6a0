// How the service subcommands print for people: a service as a block, services as a table, and the
// status view that start, stop, restart and status share.
import type { Service, ServiceAction, ServiceStatus } from '../../client/index.js';
import { oneLine } from './action-format.js';
import { block, table } from './run-format.js';

export function serviceBlock({ spec, source, createdAt, updatedAt }: Service): string {
  return block([
    ['name', spec.name],
    ['description', spec.description ?? '-'],
    ['actions', spec.actions.map(describeServiceAction).join('\n')],
    ['autostart', spec.autostart ? 'yes' : 'no'],
    ['source', source],
    ['created', createdAt],
    ['updated', updatedAt],
  ]);
}

export function serviceTable(services: Service[]): string {
  return table([
    ['NAME', 'SOURCE', 'ACTIONS', 'DESCRIPTION'],
    ...services.map(({ spec, source }) => [
      spec.name,
      source,
      spec.actions.map(actionFlag).join(' '),
      oneLine(spec.description ?? '-'),
    ]),
  ]);
}

type ActionStatus = ServiceStatus['actions'][number];

/** `web: running`, then one row per action: its run, pid, uptime, restarts and, in words, why it is not running. */
export function statusView(status: ServiceStatus, now = Date.now()): string {
  const rows = status.actions.map((entry) => [
    entry.action,
    entry.runId ?? '-',
    entry.status ?? '-',
    entry.pid === null ? '-' : String(entry.pid),
    entry.uptimeMs === null ? '-' : formatDuration(entry.uptimeMs),
    String(entry.restarts),
    whyNotRunning(entry, status.state, now),
  ]);
  return (
    `${status.name}: ${status.state}\n` +
    table([['ACTION', 'RUN ID', 'STATUS', 'PID', 'UPTIME', 'RESTARTS', 'WHY'], ...rows])
  );
}

/** "exited with code 1, restarting in 4 s", "killed by SIGKILL; start limit: 5 restarts in 60 s", or "-". */
function whyNotRunning(entry: ActionStatus, state: ServiceStatus['state'], now: number): string {
  const failure = entry.lastFailure
    ? (entry.lastFailure.error?.message ?? entry.lastFailure.status)
    : undefined;
  if (entry.nextRestartAt !== null) {
    const inMs = Math.max(0, Date.parse(entry.nextRestartAt) - now);
    return `${failure ?? entry.status ?? 'ended'}, restarting in ${seconds(inMs)}`;
  }
  if (entry.status === 'running' || entry.status === 'queued') return '-';
  const { maxRestarts, windowMs } = entry.startLimit;
  if (state === 'failed' && failure && entry.restarts >= maxRestarts)
    return `${failure}; start limit: ${maxRestarts} restarts in ${seconds(windowMs)}`;
  return failure ?? '-';
}

/** 4_000 → `4 s`; past two minutes, a duration like `5m00s`. */
const seconds = (ms: number) => (ms < 120_000 ? `${Math.ceil(ms / 1000)} s` : formatDuration(ms));

/** 950 → `0s`, 62_000 → `1m02s`, 3_723_000 → `1h02m03s`, 90_000_000 → `1d01h00m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const [days, hours, minutes] = [
    Math.floor(seconds / 86_400),
    Math.floor(seconds / 3600) % 24,
    Math.floor(seconds / 60) % 60,
  ];
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d${two(hours)}h${two(minutes)}m`;
  if (hours > 0) return `${hours}h${two(minutes)}m${two(seconds % 60)}s`;
  if (minutes > 0) return `${minutes}m${two(seconds % 60)}s`;
  return `${seconds}s`;
}

/** The --action form of an entry: `dev-server:always`, or just `typecheck` when no policy is set. */
function actionFlag(entry: ServiceAction): string {
  return entry.restart ? `${entry.action}:${entry.restart}` : entry.action;
}

/** The --action form plus the backoff and start limit, which only --file can set. */
function describeServiceAction(entry: ServiceAction): string {
  const details: string[] = [];
  if (entry.backoff) details.push(`backoff ${pairs(entry.backoff)}`);
  if (entry.startLimit) details.push(`start limit ${pairs(entry.startLimit)}`);
  return [actionFlag(entry), ...details].join('  ');
}

function pairs(fields: object): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}
