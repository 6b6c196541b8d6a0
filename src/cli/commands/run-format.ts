// How the run subcommands print: JSON for machines, a status line, a record block and a table for people;
// block and table also shape what the action and service subcommands print.
import type { RunRecord } from '../../client/index.js';

/** Resolves once the text is handed to the OS, so long outputs respect backpressure. */
export function print(text: string | Uint8Array, stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

export function printJson(value: unknown): Promise<void> {
  return print(JSON.stringify(value, null, 2) + '\n');
}

/** `succeeded (exit 0)`, `cancelled (signal SIGTERM: cancelled by a client)`, `running`. */
export function statusLine(run: RunRecord): string {
  const ending =
    run.signal !== null ? `signal ${run.signal}` : run.exitCode !== null ? `exit ${run.exitCode}` : '';
  // exit_code and signal errors only restate the ending.
  const isRestated = run.error?.reason === 'exit_code' || run.error?.reason === 'signal';
  const detail = [ending, run.error && !isRestated ? run.error.message : ''].filter(Boolean).join(': ');
  return detail ? `${run.status} (${detail})` : run.status;
}

export function recordBlock(run: RunRecord): string {
  const labels = Object.entries(run.labels).map(([key, value]) => `${key}=${value}`);
  const rows: [string, string][] = [
    ['run id', run.runId],
    ['status', run.status],
    ['command', formatCommand(run.argv)],
    ['exit code', run.exitCode === null ? '-' : String(run.exitCode)],
    ['signal', run.signal ?? '-'],
    ['error', run.error ? `${run.error.message} (${run.error.reason})` : '-'],
    ['created', run.createdAt],
    ['started', run.startedAt ?? '-'],
    ['finished', run.finishedAt ?? '-'],
    // Empty while the run waits in a cluster's shared queue: the node that claims it makes it.
    ['run dir', run.runDir || "- (waiting in the cluster's queue)"],
    ['labels', labels.length > 0 ? labels.join(' ') : '-'],
    ['action', run.actionId ?? '-'],
    ['service', run.serviceId ?? '-'],
  ];
  return block(rows);
}

export function runTable(runs: RunRecord[]): string {
  return table([
    ['RUN ID', 'STATUS', 'CREATED', 'EXIT', 'COMMAND'],
    ...runs.map((run) => [
      run.runId,
      run.status,
      run.createdAt,
      run.signal ?? (run.exitCode === null ? '-' : String(run.exitCode)),
      formatCommand(run.argv),
    ]),
  ]);
}

/** `name:  value` lines with the values aligned; a value's further lines are indented to match. */
export function block(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows
    .map(
      ([name, value]) => `${`${name}:`.padEnd(width)}${value.replaceAll('\n', '\n' + ' '.repeat(width))}\n`,
    )
    .join('');
}

/** Rows of cells in aligned columns, the first row being the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  // The last column is not padded, so lines carry no trailing spaces.
  return rows
    .map((row) =>
      row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]!) : cell)).join('  '),
    )
    .map((line) => line + '\n')
    .join('');
}

/** argv as a shell would need it typed, so a copied command line runs the same thing. */
export function formatCommand(argv: string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
