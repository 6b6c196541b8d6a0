// Handlers of retained.*: the same functions `runyard runs` calls offline, over the daemon's live index.
// Reads of one run's files go to the node whose disk holds them (run-router.ts); lists merge this node's
// index with the other nodes' runs from the store (list.ts), so no list is forwarded; problems are this node's.
import { listRetained, latestRetained } from '../../retained/list.js';
import { listProblems } from '../../retained/list-problems.js';
import { readArtifact } from '../../retained/read-artifact.js';
import { artifactManifestOf, reportsOf } from '../../retained/reports.js';
import type { RetainedIndex } from '../../retained/retained-index.js';
import type { RetainedTable } from '../../schema/retained-list.js';
import type { RunRouter } from '../run-router.js';
import type { GroupHandlers } from './types.js';

/** `others`: in a cluster, the other nodes' retained runs (the store's). */
export const retainedHandlers = (
  index: RetainedIndex,
  router: RunRouter,
  others?: RetainedTable,
): GroupHandlers<'retained'> => ({
  'retained.list': (params) => listRetained(index, params, others),
  'retained.latest': (params) => latestRetained(index, params, others),
  'retained.reports': (params, call) =>
    router.route('retained.reports', params, call, () => reportsOf(index, params.runId)),
  'retained.artifactManifest': (params, call) =>
    router.route('retained.artifactManifest', params, call, () => artifactManifestOf(index, params.runId)),
  'retained.readArtifact': (params, call) =>
    router.route('retained.readArtifact', params, call, () => readArtifact(index, params)),
  'retained.problems': (params) => listProblems(index, params),
});
