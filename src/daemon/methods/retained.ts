// Handlers of retained.*: the same functions `runyard runs` calls offline, over the daemon's live index.
// Reads of one run's files go to the node whose disk holds them (run-router.ts); lists are this node's.
import { listRetained, latestRetained } from '../../retained/list.js';
import { listProblems } from '../../retained/list-problems.js';
import { readArtifact } from '../../retained/read-artifact.js';
import { artifactManifestOf, reportsOf } from '../../retained/reports.js';
import type { RetainedIndex } from '../../retained/retained-index.js';
import type { RunRouter } from '../run-router.js';
import type { GroupHandlers } from './types.js';

export const retainedHandlers = (index: RetainedIndex, router: RunRouter): GroupHandlers<'retained'> => ({
  'retained.list': (params) => listRetained(index, params),
  'retained.latest': (params) => latestRetained(index, params),
  'retained.reports': (params, call) =>
    router.route('retained.reports', params, call, () => reportsOf(index, params.runId)),
  'retained.artifactManifest': (params, call) =>
    router.route('retained.artifactManifest', params, call, () => artifactManifestOf(index, params.runId)),
  'retained.readArtifact': (params, call) =>
    router.route('retained.readArtifact', params, call, () => readArtifact(index, params)),
  'retained.problems': (params) => listProblems(index, params),
});
