// The daemon's log: one JSON object per line on stderr, so operators can grep it and tools can parse it.
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      const error =
        fields.error instanceof Error ? { error: fields.error.stack ?? String(fields.error) } : {};
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields, ...error })}\n`);
    };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
