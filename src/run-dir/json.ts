// Parsing JSON from a run directory with a nesting limit, so a hostile file costs a scan, not the stack.
import type { FileFault } from './open-file.js';

export type ParsedObject = { state: 'object'; value: Record<string, unknown> } | FileFault;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * How deep `text` nests, stopping as soon as it passes `limit`. JSON.parse itself copes with deep
 * input, but everything after it (validation, JSON.stringify of an answer) recurses and would
 * overflow the stack on 100,000 levels.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Any JSON value, or the fault that keeps it from being one. */
export function parseBounded(text: string, maxDepth: number): { state: 'value'; value: unknown } | FileFault {
  if (nestsDeeperThan(text, maxDepth))
    return { state: 'bad', reason: 'too_deep', message: `nests deeper than ${maxDepth} levels` };
  try {
    return { state: 'value', value: JSON.parse(text) as unknown };
  } catch {
    return { state: 'bad', reason: 'not_json', message: 'is not JSON (torn, truncated or garbage)' };
  }
}

/** A JSON object, the shape every JSON file of a run directory has. */
export function parseObject(text: string, maxDepth: number): ParsedObject {
  const parsed = parseBounded(text, maxDepth);
  if (parsed.state === 'bad') return parsed;
  const { value } = parsed;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { state: 'bad', reason: 'not_object', message: 'is JSON but not an object' };
  return { state: 'object', value: value as Record<string, unknown> };
}
