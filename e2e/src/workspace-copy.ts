import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(__dirname, '../..');

const NOT_COPIED = new Set([
  'node_modules',
  'dist',
  '.nx',
  '.git',
  'tmp',
  'coverage',
]);

/**
 * Copies this workspace (without its build output, caches and git history)
 * to a new temporary git repository whose `main` has one commit, and links
 * the installed node_modules into it.
 */
export function copyWorkspaceToGitRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'nxll-e2e-'));
  cpSync(WORKSPACE_ROOT, root, {
    recursive: true,
    filter: (source) => !NOT_COPIED.has(basename(source)),
  });
  symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(root, 'node_modules'));
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'Initial workspace']);
  return root;
}

export function git(cwd: string, args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', ...args],
    { cwd, encoding: 'utf8' },
  );
}

export function removeWorkspace(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

const ANSI_COLOR_CODE = /\x1b\[[0-9;]*m/g;

export interface NxRun {
  status: number | null;
  output: string;
}

/**
 * Runs the real nx CLI in `cwd` without the daemon, with pip isolated from
 * the machine's configuration and AWS pointed at `awsEnv`.
 */
export function runNx(
  cwd: string,
  args: string[],
  awsEnv: Record<string, string>,
): NxRun {
  const env: NodeJS.ProcessEnv = {
    ...withoutPipSettings(process.env),
    ...awsEnv,
    AWS_PROFILE: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    PIP_CONFIG_FILE: devNull,
  };
  const result = spawnSync(
    join(cwd, 'node_modules', '.bin', 'nx'),
    [...args, '--output-style=static'],
    {
      cwd,
      encoding: 'utf8',
      env,
      timeout: 300_000,
    },
  );
  // Nx colours its output when CI is set, even without a terminal.
  const output = `${result.stdout}${result.stderr}`.replace(
    ANSI_COLOR_CODE,
    '',
  );
  return { status: result.status, output };
}

/**
 * Drops the `PIP_*` variables of the machine (extra indexes, find-links,
 * constraints), so the workspace's pip runs see only what layer.json sets.
 */
function withoutPipSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('PIP_')),
  );
}
