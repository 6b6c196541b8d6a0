// The baseline for running processes: a bare child_process.spawn loop at a fixed concurrency.
import { spawn } from 'node:child_process';

/** Runs `count` trivial processes, `concurrency` at a time; the floor for any process supervisor. */
export async function spawnMany(count: number, concurrency: number): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn('/bin/true', [], { stdio: 'ignore' });
        child.once('error', reject);
        child.once('close', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
