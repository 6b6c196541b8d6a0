// The daemon's log on stderr: levels, and one line per entry, JSON for tools or pretty for a terminal.
import { isoTimestamp } from './schema/timestamp.js';

export type LogFields = Record<string, unknown>;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Entries below this level are dropped; default info. */
  level?: LogLevel;
  /** Default: pretty when stderr is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
  /** Colour the pretty level names; default: stderr is a terminal and NO_COLOR is unset. */
  color?: boolean;
}

export const isLogLevel = (value: string): value is LogLevel =>
  (LOG_LEVELS as readonly string[]).includes(value);
export const isLogFormat = (value: string): value is LogFormat =>
  (LOG_FORMATS as readonly string[]).includes(value);

/** The daemon's own logger: its level can change while it runs (a config reload). */
export interface LevelledLogger extends Logger {
  setLevel(level: LogLevel): void;
}

export function createLogger(options: LoggerOptions = {}): LevelledLogger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const isTerminal = options.write === undefined && process.stderr.isTTY;
  const format = options.format ?? (isTerminal ? 'pretty' : 'json');
  const color = options.color ?? (isTerminal && !process.env.NO_COLOR);
  const line =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      const entry = { time: isoTimestamp(), level, message, ...fields, ...errorStack(fields) };
      write(format === 'json' ? `${JSON.stringify(entry)}\n` : prettyLine(entry, color));
    };
  const ignore = () => {};
  const logger: LevelledLogger = {
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    // A level below the threshold is a no-op function, not a comparison: debug calls stay in hot paths for free.
    setLevel(level) {
      const threshold = LOG_LEVELS.indexOf(level);
      for (const each of LOG_LEVELS)
        logger[each] = LOG_LEVELS.indexOf(each) < threshold ? ignore : line(each);
    },
  };
  logger.setLevel(options.level ?? 'info');
  return logger;
}

/** An Error is logged as its stack: JSON.stringify would turn it into `{}`. */
const errorStack = (fields: LogFields) =>
  fields.error instanceof Error ? { error: fields.error.stack ?? String(fields.error) } : {};

const LEVEL_COLORS: Record<LogLevel, number> = { debug: 90, info: 32, warn: 33, error: 31 };

/**
 * `12:00:00.004 INFO  run finished runId=01J… status=succeeded`: local time of day, the level, the
 * message, then the fields; values with spaces or quotes are JSON-quoted so a line stays one line,
 * and a multi-line error stack follows the line, indented.
 */
function prettyLine(
  entry: LogFields & { time: string; level: LogLevel; message: string },
  color: boolean,
): string {
  const { time, level, message, ...fields } = entry;
  const label = level.toUpperCase().padEnd(5);
  const clock = new Date(time).toTimeString().slice(0, 8) + time.slice(19, 23);
  const stack = typeof fields.error === 'string' && fields.error.includes('\n') ? fields.error : undefined;
  const pairs = Object.entries(fields)
    .filter(([key]) => key !== 'error' || stack === undefined)
    .map(([key, value]) => `${key}=${prettyValue(value)}`);
  const head = [clock, color ? `\x1b[${LEVEL_COLORS[level]}m${label}\x1b[39m` : label, message, ...pairs];
  const tail = stack ? `\n${stack.replace(/^/gm, '    ')}` : '';
  return `${head.join(' ')}${tail}\n`;
}

function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}
