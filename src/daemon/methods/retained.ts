// Handlers of retained.*: the same functions `runyard runs` calls offline, over the daemon's live index.
import { listRetained, latestRetained } from '../../retained/list.js';
import { listProblems } from '../../retained/list-problems.js';
import { readArtifact } from '../../retained/read-artifact.js';
import { artifactManifestOf, reportsOf } from '../../retained/reports.js';
import type { RetainedIndex } from '../../retained/retained-index.js';
import type { GroupHandlers } from './types.js';

export const retainedHandlers = (index: RetainedIndex): GroupHandlers<'retained'> => ({
  'retained.list': (params) => listRetained(index, params),
  'retained.latest': (params) => latestRetained(index, params),
  'retained.reports': ({ runId }) => reportsOf(index, runId),
  'retained.artifactManifest': ({ runId }) => artifactManifestOf(index, runId),
  'retained.readArtifact': (params) => readArtifact(index, params),
  'retained.problems': (params) => listProblems(index, params),
});
