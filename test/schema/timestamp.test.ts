// isoTimestamp: the contract's timestamps as toISOString writes them, without its time-zone lookup.
import t from 'tap';
import { isoTimestamp } from '../../src/schema/timestamp.js';

t.test('a timestamp is written as toISOString writes it', async (t) => {
  const times = [0, 1, 999, 951_782_400_000, 1_709_164_800_123, 253_402_300_799_999, -62_167_219_200_000];
  for (let time = -2_000_000_000_000; time < 4_000_000_000_000; time += 7_777_777_777) times.push(time);
  for (const time of times) t.equal(isoTimestamp(time), new Date(time).toISOString(), String(time));
});

t.test('a year outside 0 to 9999 is left to toISOString, and so is an invalid time', async (t) => {
  t.equal(isoTimestamp(253_402_300_800_000), '+010000-01-01T00:00:00.000Z');
  t.equal(isoTimestamp(-62_167_219_200_001), '-000001-12-31T23:59:59.999Z');
  t.throws(() => isoTimestamp(Number.NaN), RangeError);
});

t.test('without an argument the timestamp is now', async (t) => {
  const before = Date.now();
  const written = Date.parse(isoTimestamp());
  t.ok(written >= before && written <= Date.now());
});
