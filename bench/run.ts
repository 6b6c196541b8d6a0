// `npm run bench [-- NAME...]`: runs the benchmarks one after another and prints one table.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { formatTable, type BenchRow } from './table.js';

/** Every benchmark, in the order of the table; each is bench/<name>.ts exporting `run()`. */
const BENCHMARKS = ['rpc', 'spawn', 'output', 'replay', 'memory', 'pending', 'queued', 'retained'] as const;
/** Run only when named: they need more than this machine (cluster: a PostgreSQL server). */
const ON_REQUEST = ['cluster'] as const;

interface BenchModule {
  run(): Promise<BenchRow[]>;
}

async function load(name: string): Promise<BenchModule | undefined> {
  try {
    return (await import(`./${name}.js`)) as BenchModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Only a missing module is skipped; a module that fails to load for another reason is a bug.
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`/${name}.js`))
      return undefined;
    throw error;
  }
}

async function main(names: string[]): Promise<number> {
  const known: readonly string[] = [...BENCHMARKS, ...ON_REQUEST];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const selected = names.length > 0 ? names : [...BENCHMARKS];
  const rows: BenchRow[] = [];
  const began = Date.now();
  // Other work on the machine moves every figure: the load average says how much there was.
  const loadBefore = loadavg()[0]!;
  let failed = false;
  for (const name of selected) {
    const module = await load(name);
    if (!module) {
      rows.push({ name, figure: '—', note: `skipped: bench/${name}.ts is not in this build` });
      continue;
    }
    // Progress goes to stderr so that stdout holds the table alone.
    console.error(`bench ${name} ...`);
    const started = Date.now();
    try {
      const produced = await module.run();
      rows.push(...produced);
      console.error(`bench ${name} done in ${((Date.now() - started) / 1_000).toFixed(0)} s`);
    } catch (error) {
      failed = true;
      console.error(`bench ${name} failed:`, error);
      rows.push({ name, figure: '—', note: `failed: ${(error as Error).message}` });
    }
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `runyard benchmarks: ${availableParallelism()} cores (${cpu}), ` +
      `${(totalmem() / 1_073_741_824).toFixed(1)} GiB memory, Node ${process.version}, ${process.platform}; ` +
      `${((Date.now() - began) / 1_000).toFixed(0)} s, load average ${loadBefore.toFixed(1)} before and ` +
      `${loadavg()[0]!.toFixed(1)} after\n`,
  );
  console.log(formatTable(rows));
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
