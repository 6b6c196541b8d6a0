// retained.problems: the unreadable run directories, a page at a time.
import type { RunDirProblems } from '../run-dir/problems.js';
import { compareProblems } from '../run-dir/problems.js';
import { RunyardError } from '../schema/errors.js';
import type { RunDirProblem } from '../schema/run-dir.js';
import type { RetainedProblemsParams, RetainedProblemsResult } from '../schema/retained-list.js';
import type { RetainedIndex } from './retained-index.js';

export async function listProblems(
  index: RetainedIndex,
  params: RetainedProblemsParams,
): Promise<RetainedProblemsResult> {
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  await index.ready();
  return pageOf(index.problems, params.limit, after);
}

function pageOf(
  book: RunDirProblems,
  limit: number,
  after: RunDirProblem | undefined,
): RetainedProblemsResult {
  const all = book.list();
  const start = after === undefined ? 0 : all.findIndex((problem) => compareProblems(problem, after) > 0);
  const rest = start < 0 ? [] : all.slice(start);
  const problems = rest.slice(0, limit);
  return {
    problems,
    total: all.length,
    nextCursor: rest.length > limit ? encodeCursor(problems.at(-1)!) : null,
  };
}

const encodeCursor = (problem: RunDirProblem) =>
  Buffer.from(JSON.stringify([problem.dir, problem.file, problem.field, problem.reason])).toString(
    'base64url',
  );

function decodeCursor(cursor: string): RunDirProblem {
  try {
    const [dir, file, field, reason] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (
      typeof dir === 'string' &&
      (file === null || typeof file === 'string') &&
      (field === null || typeof field === 'string') &&
      typeof reason === 'string'
    )
      return { dir, file, field, reason: reason as RunDirProblem['reason'], message: '' };
  } catch {
    // Not one of ours: refused below like any other.
  }
  throw new RunyardError('list_cursor_invalid', { cursor });
}
