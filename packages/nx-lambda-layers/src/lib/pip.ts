import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { targetPipArgs } from './build/target-platform';
import type { LayerPipOptions } from './layer-config';
import type { LayerTarget } from './manifest';

/** Options of one `pip install` run. */
export interface PipInstallOptions {
  /**
   * Working folder of pip; relative paths in requirement lines resolve from it.
   */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives each line pip writes to stdout or stderr, as it is written. */
  onOutput: (line: string) => void;
}

/** Exit status and combined stdout and stderr of a pip run. */
export interface PipRunResult {
  /** Exit code, or null when a signal ended pip. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Client that runs `pip install`. Callers pass their own to run pip another
 * way, such as with a different environment.
 */
export interface PipClient {
  /** Runs `pip install` with `args` (the arguments after `install`). */
  install(args: string[], options: PipInstallOptions): Promise<PipRunResult>;
  /**
   * Prints the pip and Python versions in the form of `pip --version`. A
   * client without it skips the version check.
   */
  version?(options: PipInstallOptions): Promise<PipRunResult>;
}

/**
 * Returns a client that runs `<python> -m pip install`. It rejects only when
 * the interpreter cannot be started, and resolves a failed install with its
 * exit code.
 */
export function createPipClient(python = 'python3'): PipClient {
  return {
    install: (args, options) =>
      runProcess(python, ['-m', 'pip', 'install', ...args], options),
    version: (options) =>
      runProcess(python, ['-c', PIP_VERSION_SCRIPT], options),
  };
}

/**
 * Prints what `pip --version` prints. Importing only the `pip` package
 * takes about 0.15 s where `python3 -m pip --version` takes 0.6 s (Python
 * 3.11, pip 23.2).
 */
const PIP_VERSION_SCRIPT =
  'import sys, pip; print("pip " + pip.__version__ + " from " + ' +
  'pip.__file__ + " (python %d.%d)" % sys.version_info[:2])';

function runProcess(
  command: string,
  args: string[],
  options: PipInstallOptions,
): Promise<PipRunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      // Builds often run as root in CI containers, where pip 22.1 and later
      // warn about it on every run. Older pips ignore the unknown variable.
      env: { PIP_ROOT_USER_ACTION: 'ignore', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        options.onOutput(line);
      });
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && !existsSync(options.cwd)) {
        reject(
          new Error(
            `cannot run ${command}: its working folder ${options.cwd} ` +
              'does not exist; create the layer project folder',
          ),
        );
        return;
      }
      reject(
        new Error(
          `cannot run ${command}: ${error.code === 'ENOENT' ? 'not found' : error.message}; ` +
            'install Python 3 or set the `python` option to the interpreter path',
        ),
      );
    });
    child.on('close', (exitCode, signal) => {
      resolvePromise({ exitCode, signal, output: lines.join('\n') });
    });
  });
}

/** Inputs of the `pip install` command line of a layer build. */
export interface PipArgsInput {
  /** Absolute folder pip installs into (`--target`). */
  target: string;
  /** Absolute path of the requirements file (`-r`). */
  requirementsFile: string;
  /** Adds `--no-deps`. */
  noDependencies?: boolean;
  pip?: LayerPipOptions;
  /** Folder that relative `findLinks` paths resolve from. */
  workspaceRoot: string;
  /** Absolute path of a constraints file (`--constraint`). */
  constraintsFile?: string;
  /** Runtime and platform to install wheels for, instead of the machine's. */
  platform?: LayerTarget;
}

/** Returns the arguments after `pip install` for one run of a layer build. */
export function pipInstallArgs(input: PipArgsInput): string[] {
  const pip = input.pip ?? {};
  const args = [
    '--target',
    input.target,
    '--no-compile',
    '--disable-pip-version-check',
    '--no-input',
    '--upgrade',
    // pip checks the new packages against those of its own environment,
    // not of the target folder, and prints an ERROR line for conflicts
    // that do not concern the layer.
    '--no-warn-conflicts',
  ];
  if (input.noDependencies) {
    args.push('--no-deps');
  }
  args.push('-r', input.requirementsFile);
  if (pip.noIndex) {
    args.push('--no-index');
  }
  for (const link of pip.findLinks ?? []) {
    args.push('--find-links', resolveLink(link, input.workspaceRoot));
  }
  if (pip.indexUrl) {
    args.push('--index-url', pip.indexUrl);
  }
  for (const url of pip.extraIndexUrls ?? []) {
    args.push('--extra-index-url', url);
  }
  if (input.constraintsFile) {
    args.push('--constraint', input.constraintsFile);
  }
  if (input.platform) {
    args.push(...targetPipArgs(input.platform, input.noDependencies ?? false));
  }
  return args;
}

/**
 * Oldest versions accepted: Lambda's oldest Python runtime is 3.9, and pip
 * 21.0 is the first release that runs only on Python 3 and resolves with
 * the 2020 resolver by default.
 */
const MIN_PYTHON = [3, 9];
const MIN_PIP = [21, 0];

/**
 * Checks the output of `pip --version` (`pip 23.2.1 from ... (python 3.11)`)
 * against the oldest supported versions and returns the two versions.
 * `python` names the interpreter in errors.
 */
export function checkPipVersion(
  result: PipRunResult,
  python: string,
): { pip: string; python: string } {
  const match = /^pip (\d+)\.(\d+)\S* from .*\(python (\d+)\.(\d+)\)/m.exec(
    result.output,
  );
  if (result.exitCode !== 0 || !match) {
    throw new Error(
      `cannot run pip with ${python}: the pip version check ` +
        `${result.exitCode === 0 ? 'printed' : `failed with exit code ${result.exitCode}:`} ` +
        `${JSON.stringify(result.output.trim().slice(0, 200))}; install pip ` +
        '(python3 -m ensurepip) or set the `python` option to a Python with pip',
    );
  }
  const [pipMajor, pipMinor, pyMajor, pyMinor] = match.slice(1).map(Number);
  const versions = {
    pip: `${pipMajor}.${pipMinor}`,
    python: `${pyMajor}.${pyMinor}`,
  };
  if (isOlder([pyMajor, pyMinor], MIN_PYTHON)) {
    throw new Error(
      `${python} is Python ${versions.python}, older than ${MIN_PYTHON.join('.')}; ` +
        'set the `python` option to Python 3.9 or newer',
    );
  }
  if (isOlder([pipMajor, pipMinor], MIN_PIP)) {
    throw new Error(
      `${python} has pip ${versions.pip}, older than ${MIN_PIP.join('.')}; ` +
        `upgrade it (${python} -m pip install --upgrade pip)`,
    );
  }
  return versions;
}

function isOlder(version: number[], minimum: number[]): boolean {
  return (
    version[0] < minimum[0] ||
    (version[0] === minimum[0] && version[1] < minimum[1])
  );
}

function resolveLink(link: string, workspaceRoot: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(link)
    ? link
    : resolve(workspaceRoot, link);
}

/** A failed `pip install`, with pip's output. */
export class PipInstallError extends Error {
  override name = 'PipInstallError';

  constructor(
    message: string,
    readonly result: PipRunResult,
  ) {
    super(message);
  }
}

/**
 * Runs one `pip install` and throws a PipInstallError that explains the
 * failure when pip exits with an error. `configSource` names the file where
 * pip options are set, for the error message.
 */
export async function runPipInstall(
  client: PipClient,
  args: string[],
  options: PipInstallOptions & { configSource: string },
): Promise<PipRunResult> {
  const result = await client.install(args, options);
  if (result.exitCode !== 0) {
    throw new PipInstallError(
      describePipFailure(result, args, options.configSource, options.env),
      result,
    );
  }
  return result;
}

const NOT_FOUND_PATTERNS = [
  /No matching distribution found for (\S+)/g,
  /Could not find a version that satisfies the requirement (\S+)/g,
];
/** Messages of pip 23 and its urllib3 when an index or link cannot be reached. */
const NETWORK_ERRORS = [
  'NewConnectionError',
  'Max retries exceeded',
  'Failed to establish a new connection',
  'Temporary failure in name resolution',
  'Could not fetch URL',
  'ConnectTimeout',
  'ReadTimeout',
  'Network is unreachable',
];

/**
 * Returns the error message for a failed pip run, from its output,
 * arguments and environment.
 */
export function describePipFailure(
  result: PipRunResult,
  args: string[],
  configSource: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const status =
    result.exitCode === null
      ? `was stopped by ${result.signal}`
      : `failed with exit code ${result.exitCode}`;

  // pip colours its messages when Nx or Jest set FORCE_COLOR.
  const output = result.output.replace(ANSI_COLOR_CODE, '');
  if (/No module named pip/.test(output)) {
    return (
      `pip install ${status}: pip is not installed for this Python; ` +
      'install it (python3 -m ensurepip) or set the `python` option'
    );
  }

  const gitRef = /git checkout -q (\S+) did not run successfully/.exec(
    output,
  )?.[1];
  if (gitRef) {
    const url = /Cloning (\S+) \(to revision/.exec(output)?.[1];
    return (
      `pip install ${status}: git ref ${gitRef} not found in ` +
      `${url ?? 'the git repository'}; check the branch, tag or commit ` +
      'name in the requirement or in the ref option'
    );
  }

  const missing = notFoundRequirements(output);
  const networkFailed = NETWORK_ERRORS.some((text) => output.includes(text));
  if (missing.length === 0 && !networkFailed) {
    const errors = output
      .split('\n')
      .filter((line) => line.startsWith('ERROR:'));
    const detail = errors.length > 0 ? errors.join(' ') : lastLine(output);
    return `pip install ${status}: ${detail}`;
  }

  const problem =
    missing.length > 0
      ? `could not find a distribution for ${missing.join(', ')}`
      : 'could not reach a package index';
  const unreachable =
    missing.length > 0 && networkFailed ? ' and could not reach an index' : '';
  return (
    `pip install ${status}: pip ${problem}${unreachable} ` +
    `(looked in ${pipSources(output, args, env)}); set pip.indexUrl or ` +
    `pip.findLinks in ${configSource} to a source that has the packages, ` +
    'or check the network'
  );
}

const ANSI_COLOR_CODE = /\x1b\[[0-9;]*m/g;

/** Returns the requirements pip found no distribution for, from its output. */
export function notFoundRequirements(output: string): string[] {
  const names = new Set<string>();
  // pip colours its errors on a terminal; the codes would end up in the names.
  const plain = output.replace(ANSI_COLOR_CODE, '');
  for (const pattern of NOT_FOUND_PATTERNS) {
    for (const match of plain.matchAll(pattern)) {
      names.add(match[1]);
    }
  }
  return [...names];
}

/**
 * Returns the indexes and links pip searched, from its output or else its
 * arguments.
 */
function pipSources(
  output: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): string {
  const sources: string[] = [];
  const indexes = /^Looking in indexes: (.+)$/m.exec(output)?.[1];
  const links = /^Looking in links: (.+)$/m.exec(output)?.[1];
  if (args.includes('--no-index')) {
    sources.push('no index (--no-index)');
  } else if (PIP_TRUE.test(env.PIP_NO_INDEX ?? '')) {
    sources.push('no index (PIP_NO_INDEX)');
  } else if (indexes) {
    sources.push(`indexes ${indexes}`);
  } else {
    sources.push(
      "pip's default index (https://pypi.org/simple unless pip configuration sets another)",
    );
  }
  const argLinks = args.filter(
    (_, index) => args[index - 1] === '--find-links',
  );
  if (links || argLinks.length > 0) {
    const ignored = ignoredLocations(output);
    const described = (links?.split(', ') ?? argLinks).map((link) =>
      ignored.has(link) ? `${link} (not found)` : link,
    );
    sources.push(`links ${described.join(', ')}`);
  }
  return sources.join(' and ');
}

/** Values that pip reads as true in a PIP_* boolean variable. */
const PIP_TRUE = /^(1|true|yes|on|y|t)$/i;

/** Returns the `--find-links` locations pip ignored because they do not exist. */
function ignoredLocations(output: string): Set<string> {
  const pattern = /Location '([^']+)' is ignored: it is either a non-existing/g;
  return new Set([...output.matchAll(pattern)].map((match) => match[1]));
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines[lines.length - 1] || 'pip wrote no output';
}
