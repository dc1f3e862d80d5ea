import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { endedProcessId } from './ended-process';
import { SYNC_LOCK_PATH, withSyncLock } from './lock';

let workspaceRoot: string;
let lockPath: string;

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'sync-lock-'));
  lockPath = join(workspaceRoot, SYNC_LOCK_PATH);
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

function writeLock(content: string): void {
  mkdirSync(dirname(lockPath), { recursive: true });
  writeFileSync(lockPath, content);
}

describe('withSyncLock', () => {
  it('holds the lock during the task', async () => {
    const content = await withSyncLock(workspaceRoot, async () =>
      readFileSync(lockPath, 'utf8'),
    );

    expect(content).toBe(`${process.pid}\n`);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('runs overlapping tasks one after the other', async () => {
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`${name} end`);
    };

    await Promise.all([
      withSyncLock(workspaceRoot, task('a'), { retryMs: 10 }),
      withSyncLock(workspaceRoot, task('b'), { retryMs: 10 }),
    ]);

    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('waits for a live owner', async () => {
    writeLock(`${process.pid}\n`);
    const waitedFor: number[] = [];
    setTimeout(() => rmSync(lockPath), 100);

    await withSyncLock(workspaceRoot, async () => undefined, {
      retryMs: 10,
      onWait: (pid) => waitedFor.push(pid),
    });

    expect(waitedFor).toEqual([process.pid]);
  });

  it('takes over the lock of an ended process', async () => {
    writeLock(`${endedProcessId()}\n`);

    const ran = await withSyncLock(workspaceRoot, async () => true);

    expect(ran).toBe(true);
  });

  it('takes over a lock without a process id', async () => {
    writeLock('garbage');

    const ran = await withSyncLock(workspaceRoot, async () => true);

    expect(ran).toBe(true);
  });

  it('times out naming the owner', async () => {
    writeLock(`${process.pid}\n`);

    await expect(
      withSyncLock(workspaceRoot, async () => undefined, {
        timeoutMs: 50,
        retryMs: 10,
      }),
    ).rejects.toThrow(
      `waiting for ${SYNC_LOCK_PATH}, which process ${process.pid} holds`,
    );
    expect(readFileSync(lockPath, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('releases the lock when the task fails', async () => {
    await expect(
      withSyncLock(workspaceRoot, async () => {
        throw new Error('task failed');
      }),
    ).rejects.toThrow('task failed');

    expect(existsSync(lockPath)).toBe(false);
  });
});
