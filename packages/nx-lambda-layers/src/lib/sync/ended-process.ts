import { spawnSync } from 'node:child_process';

/** Test support: returns the id of a Node.js process that has ended. */
export function endedProcessId(): number {
  const run = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
    encoding: 'utf8',
  });
  return Number(run.stdout.trim());
}
