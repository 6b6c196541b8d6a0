// Progress reports a run writes as JSON lines to fd 3: {"progress": 0.42, "message": "parsing"}.

export interface ProgressReport {
  progress: number | null;
  message: string | null;
}

/** undefined when the line is not a progress report. */
export function parseProgressLine(line: string): ProgressReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { progress, message } = value as Record<string, unknown>;
  const validProgress = typeof progress === 'number' && progress >= 0 && progress <= 1;
  const validMessage = typeof message === 'string';
  if (!validProgress && !validMessage) return undefined;
  if (progress !== undefined && progress !== null && !validProgress) return undefined;
  return {
    progress: validProgress ? progress : null,
    message: validMessage ? message.slice(0, 1_024) : null,
  };
}
