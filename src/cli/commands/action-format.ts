// How the action subcommands print for people: one action as a block, many as a table; env values never.
import type { Action } from '../../client/index.js';
import { block, formatCommand, table } from './run-format.js';

export function actionBlock({ spec, source, updatedAt }: Action): string {
  const labels = Object.entries(spec.labels ?? {}).map(([key, value]) => `${key}=${value}`);
  // Values are secrets as often as not; the daemon records only names on disk, and so do we on screen.
  const envNames = Object.keys(spec.env ?? {});
  return block([
    ['name', spec.name],
    ['description', spec.description ?? '-'],
    ['command', formatCommand(spec.argv)],
    ['cwd', spec.cwd ?? '-'],
    ['env', envNames.length > 0 ? envNames.join(' ') : '-'],
    ['labels', labels.length > 0 ? labels.join(' ') : '-'],
    ['priority', spec.priority === undefined ? '-' : String(spec.priority)],
    ['timeout', spec.timeoutMs === undefined ? '-' : `${spec.timeoutMs} ms`],
    ['kill grace', spec.killGraceMs === undefined ? '-' : `${spec.killGraceMs} ms`],
    ['retry', spec.retry ? `up to ${spec.retry.maxAttempts ?? 1} attempts` : '-'],
    ['source', source],
    ['updated', updatedAt],
  ]);
}

export function actionTable(actions: Action[]): string {
  return table([
    ['NAME', 'SOURCE', 'COMMAND', 'DESCRIPTION'],
    ...actions.map(({ spec, source }) => [
      spec.name,
      source,
      formatCommand(spec.argv),
      oneLine(spec.description ?? '-'),
    ]),
  ]);
}

/** A description on one line, so a table row stays one row. */
export function oneLine(text: string): string {
  return text.replaceAll(/\s*\n\s*/g, ' ');
}
