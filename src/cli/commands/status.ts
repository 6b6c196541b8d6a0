// `runyard status`: one screen, as `pm2 ls` or `supervisorctl status` give it: the daemon, its queue, its
// services and the latest runs that went wrong.
import type { ClusterNode, RunRecord, RunStatus, RunyardClient, ServiceState } from '../../client/index.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';
import { table } from './run-format.js';
import { formatDuration } from './service-format.js';

export const declaration = {
  options: clientOptions,
  positionals: [],
} as const;

const HELP = `Usage: runyard status [options]

Prints the daemon's version, pid, uptime and URL; the nodes of its cluster with their state, when it
has more than this one; how many runs are queued, running and waiting to retry; each service with its
state; and the 5 latest runs that failed, timed out or were interrupted, with the reason. With --json,
all of it as one object.`;

const FAILED: RunStatus[] = ['failed', 'timed_out', 'interrupted'];
const RECENT_FAILURES = 5;

export interface Overview {
  daemon: { version: string; pid: number; url: string; startedAt: string; uptimeMs: number; nodeId: string };
  nodes: ClusterNode[];
  runs: { queued: number; running: number; retrying: number };
  services: { name: string; state: ServiceState }[];
  recentFailures: Pick<RunRecord, 'runId' | 'status' | 'actionId' | 'serviceId' | 'finishedAt' | 'error'>[];
}

export const status = oneCallCommand({ help: HELP, declaration, call: overview, format: overviewView });

async function overview(client: RunyardClient): Promise<Overview> {
  const [info, queued, running, retrying, services, failures] = await Promise.all([
    client.daemon.info(),
    countRuns(client, 'queued'),
    countRuns(client, 'running'),
    countRuns(client, 'retrying'),
    client.service.list(),
    client.run.list({ status: FAILED, limit: RECENT_FAILURES }),
  ]);
  const states = await Promise.all(
    services.services.map(async ({ spec }) => ({
      name: spec.name,
      state: (await client.service.status({ name: spec.name })).state,
    })),
  );
  return {
    daemon: {
      version: info.version,
      pid: info.pid,
      url: info.url,
      startedAt: info.startedAt,
      uptimeMs: Math.max(0, Date.now() - Date.parse(info.startedAt)),
      nodeId: info.nodeId,
    },
    nodes: info.nodes,
    runs: { queued, running, retrying },
    services: states,
    recentFailures: failures.runs.map(({ runId, status, actionId, serviceId, finishedAt, error }) => ({
      runId,
      status,
      actionId,
      serviceId,
      finishedAt,
      error,
    })),
  };
}

/** Runs with this status, counted a page at a time (the queue holds at most --max-queued). */
async function countRuns(client: RunyardClient, status: RunStatus): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await client.run.list({ status: [status], limit: 1_000, cursor });
    count += page.runs.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return count;
}

function overviewView({ daemon, nodes, runs, services, recentFailures }: Overview): string {
  const head =
    `runyard ${daemon.version} (pid ${daemon.pid}) up ${formatDuration(daemon.uptimeMs)} at ${daemon.url}\n` +
    // A daemon alone is its own cluster: its line above says all there is.
    (nodes.length > 1 ? `nodes:\n${nodeList(nodes, daemon.nodeId)}` : '') +
    `runs: ${runs.queued} queued, ${runs.running} running, ${runs.retrying} retrying\n`;
  const serviceList =
    services.length === 0
      ? 'services: none\n'
      : table([['SERVICE', 'STATE'], ...services.map(({ name, state }) => [name, state])]);
  const failureList =
    recentFailures.length === 0
      ? 'recent failures: none\n'
      : 'recent failures:\n' +
        table([
          ['RUN ID', 'STATUS', 'ACTION', 'SERVICE', 'FINISHED', 'REASON'],
          ...recentFailures.map((run) => [
            run.runId,
            run.status,
            run.actionId ?? '-',
            run.serviceId ?? '-',
            run.finishedAt ?? '-',
            run.error ? `${run.error.message} (${run.error.reason})` : '-',
          ]),
        ]);
  return [head, serviceList, failureList].join('\n');
}

/** The cluster's nodes, this one marked with `*`. */
const nodeList = (nodes: ClusterNode[], self: string) =>
  table([
    ['NODE', 'STATE', 'URL', 'VERSION', 'LAST HEARTBEAT'],
    ...nodes.map((node) => [
      `${node.nodeId}${node.nodeId === self ? ' *' : ''}`,
      node.state,
      node.url,
      node.version,
      node.lastHeartbeatAt,
    ]),
  ]);
