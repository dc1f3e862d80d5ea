import {
  linkSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Lock file of the sync-versions runs that write, inside the workspace. */
export const SYNC_LOCK_PATH = 'node_modules/.cache/nx-lambda-layers/sync.lock';

export interface SyncLockOptions {
  /** Maximum wait for another run to finish. @default 120000 */
  timeoutMs?: number;
  /** Time between two attempts. @default 100 */
  retryMs?: number;
  /** Callback, run once when a live process holds the lock. */
  onWait?: (pid: number) => void;
}

/**
 * Runs `task` while holding the workspace's sync lock, so that two
 * sync-versions processes never rewrite the same templates at once. Two
 * runs at once lost updates: each read a file before the other renamed
 * its new version into place, and the later rename dropped the earlier
 * change. The lock file holds the owner's process id. A lock whose
 * process has ended is taken over.
 */
export async function withSyncLock<T>(
  workspaceRoot: string,
  task: () => Promise<T>,
  options: SyncLockOptions = {},
): Promise<T> {
  const path = join(workspaceRoot, SYNC_LOCK_PATH);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let waitedFor: number | undefined;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    if (tryCreate(path)) break;
    const owner = ownerOf(path);
    if (owner === undefined || !isProcessRunning(owner)) {
      // NOTE: two processes that find the same stale lock may both remove
      // it, and the later removal can delete the other's new lock.
      removeIfPresent(path);
      continue;
    }
    if (waitedFor !== owner) {
      waitedFor = owner;
      options.onWait?.(owner);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ` +
          `${SYNC_LOCK_PATH}, which process ${owner} holds; wait for that ` +
          'sync-versions to finish, or delete the file if the process is ' +
          'not sync-versions',
      );
    }
    await sleep(options.retryMs ?? 100);
  }
  try {
    return await task();
  } finally {
    removeIfPresent(path);
  }
}

/**
 * Creates the lock file with this process's id and returns false when the
 * lock file exists. The id is written to a file of its own first, which
 * then gets the lock's name with `link`, so the lock file is never empty.
 */
function tryCreate(path: string): boolean {
  const ownFile = `${path}.${process.pid}`;
  writeFileSync(ownFile, `${process.pid}\n`);
  try {
    linkSync(ownFile, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(ownFile);
  }
}

/** Process id in the lock file, or undefined when it is gone or invalid. */
function ownerOf(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Returns true unless no process has the id. Signal 0 only checks: EPERM
 * means the process exists but belongs to another user.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
