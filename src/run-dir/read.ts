// The one reader of a run directory's JSON files: bounded, never following a link, checked field by field.
import type { Static, TObject } from '@sinclair/typebox';
import { join } from 'node:path';
import {
  ArtifactManifest,
  RetentionSummary,
  RunJson,
  RunPlan,
  runFileLimits,
  type RunDirProblem,
} from '../schema/run-dir.js';
import { fieldChecker, type FieldChecker, type FieldIssue } from './check.js';
import { runFiles } from './files.js';
import { parseObject } from './json.js';
import { readFileText } from './open-file.js';

export type FileRead<T> =
  | { state: 'missing' }
  | { state: 'bad'; problem: RunDirProblem }
  | { state: 'read'; fields: Partial<T>; invalid: FieldIssue[]; mtimeMs: number };

interface FileKind<T extends TObject> {
  check: FieldChecker<T>;
  maxBytes: number;
}

const kind = <T extends TObject>(schema: T, maxBytes: number = runFileLimits.json): FileKind<T> => ({
  check: fieldChecker(schema),
  maxBytes,
});

/** The JSON files of a run directory, each with its checker and size limit. */
export const runFileKinds = {
  summary: kind(RetentionSummary),
  run: kind(RunJson),
  plan: kind(RunPlan),
  manifest: kind(ArtifactManifest, runFileLimits.manifest),
};

/** A problem of `file` in `dir` (relative to the runs directory), worded as one line of the log. */
export const problemOf = (
  dir: string,
  file: string | null,
  reason: RunDirProblem['reason'],
  message: string,
  field: string | null = null,
): RunDirProblem => ({ dir, file, field, reason, message: file === null ? message : `${file} ${message}` });

export const isProblem = (value: object): value is RunDirProblem => 'reason' in value && 'dir' in value;

/** A field that a reader cannot do without, and that has the wrong shape or is missing. */
export const fieldProblem = (dir: string, file: string, field: string, issue?: FieldIssue): RunDirProblem =>
  problemOf(dir, file, 'invalid_field', issue ? `field ${issue.message}` : `has no usable "${field}"`, field);

/**
 * Reads one JSON file at `path` (absolute; it must lie inside `runsDir`, a real path) as `kind`.
 * Never throws for what is on disk.
 */
export function readRunFile<T extends TObject>(
  runsDir: string,
  dir: string,
  file: string,
  path: string,
  { check, maxBytes }: FileKind<T>,
): FileRead<Static<T>> {
  const text = readFileText(runsDir, path, maxBytes);
  if (text.state === 'missing') return text;
  if (text.state === 'bad') return { state: 'bad', problem: problemOf(dir, file, text.reason, text.message) };
  const parsed = parseObject(text.text, runFileLimits.depth);
  if (parsed.state === 'bad')
    return { state: 'bad', problem: problemOf(dir, file, parsed.reason, parsed.message) };
  const { fields, invalid } = check(parsed.value);
  return { state: 'read', fields, invalid, mtimeMs: text.mtimeMs };
}

/**
 * The files of one run directory, each read at most once, on first use: a scan of 100,000 retained
 * runs reads only their summaries, and run.json only of those whose summary lacks something.
 */
export class RunDirReader {
  readonly path: string;
  #summary: FileRead<RetentionSummary> | undefined;
  #run: FileRead<RunJson> | undefined;
  #plan: FileRead<RunPlan> | undefined;

  /** `dir` is relative to `runsDir` (a real path), with "/" separators. */
  constructor(
    readonly runsDir: string,
    readonly dir: string,
  ) {
    this.path = join(runsDir, dir);
  }

  summary(): FileRead<RetentionSummary> {
    return (this.#summary ??= this.#read(runFiles.summary, runFileKinds.summary));
  }

  runJson(): FileRead<RunJson> {
    return (this.#run ??= this.#read(runFiles.run, runFileKinds.run));
  }

  plan(): FileRead<RunPlan> {
    return (this.#plan ??= this.#read(runFiles.plan, runFileKinds.plan));
  }

  /** Every file read so far that could not be read at all. */
  problems(): RunDirProblem[] {
    return [this.#summary, this.#run, this.#plan].flatMap((read) =>
      read?.state === 'bad' ? [read.problem] : [],
    );
  }

  #read<T extends TObject>(file: string, kind: FileKind<T>): FileRead<Static<T>> {
    return readRunFile(this.runsDir, this.dir, file, join(this.path, file), kind);
  }
}

/** The fields of a file that was read; none for one that is missing or unreadable. */
export const fieldsOf = <T>(read: FileRead<T>): Partial<T> | undefined =>
  read.state === 'read' ? read.fields : undefined;
