// The contract's timestamps (`2025-03-01T10:00:05.000Z`), written without Date.prototype.toISOString where
// an idle daemon writes them. V8's toISOString works out the local time zone and its display name before it
// formats in UTC: ICU's time-zone data and code, about 0.8 MB of the node binary paged in for good by the
// first call, which an idle daemon (its start time, its log's times) does not otherwise need.

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `time` (milliseconds since the epoch; default now) exactly as toISOString writes it. */
export function isoTimestamp(time: number = Date.now()): string {
  const date = new Date(time);
  const year = date.getUTCFullYear();
  // Years past 9999 (and before 0) take a sign and six digits, and an invalid time throws: its job.
  if (!(year >= 0 && year <= 9_999)) return date.toISOString();
  const day = `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}T${clock}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}
