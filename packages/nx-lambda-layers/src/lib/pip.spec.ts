import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { targetPlatform } from './build/target-platform';
import {
  checkPipVersion,
  createPipClient,
  describePipFailure,
  notFoundRequirements,
  pipInstallArgs,
  runPipInstall,
} from './pip';
import { buildWheel } from './python-wheel';

/**
 * Environment for pip without the machine's pip settings: PIP_CONFIG_FILE
 * hides the configuration files, and PIP_* variables (such as
 * PIP_FIND_LINKS) are dropped because they apply even then.
 */
const pipEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('PIP_')),
  ),
  PIP_CONFIG_FILE: devNull,
  PIP_ROOT_USER_ACTION: 'ignore',
};

let workDir: string;

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'pip-spec-'));
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Returns a 127.0.0.1 port that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('pipInstallArgs', () => {
  it('builds the base command line', () => {
    expect(
      pipInstallArgs({
        target: '/ws/dist/layer/.staging/python',
        requirementsFile: '/ws/layer/requirements.txt',
        workspaceRoot: '/ws',
      }),
    ).toEqual([
      '--target',
      '/ws/dist/layer/.staging/python',
      '--no-compile',
      '--disable-pip-version-check',
      '--no-input',
      '--upgrade',
      '--no-warn-conflicts',
      '-r',
      '/ws/layer/requirements.txt',
    ]);
  });

  it('adds the pip options of layer.json', () => {
    const args = pipInstallArgs({
      target: '/t',
      requirementsFile: '/r.txt',
      noDependencies: true,
      workspaceRoot: '/ws',
      pip: {
        noIndex: true,
        findLinks: ['wheels', '/abs/wheels', 'https://example.com/links/'],
        indexUrl: 'https://pypi.example.com/simple',
        extraIndexUrls: ['https://a.example.com/simple', 'file:///opt/simple'],
      },
    });

    expect(args.slice(7)).toEqual([
      '--no-deps',
      '-r',
      '/r.txt',
      '--no-index',
      '--find-links',
      '/ws/wheels',
      '--find-links',
      '/abs/wheels',
      '--find-links',
      'https://example.com/links/',
      '--index-url',
      'https://pypi.example.com/simple',
      '--extra-index-url',
      'https://a.example.com/simple',
      '--extra-index-url',
      'file:///opt/simple',
    ]);
  });
});

describe('notFoundRequirements', () => {
  it('reads names out of coloured output', () => {
    const output =
      '\x1b[31mERROR: Could not find a version that satisfies the ' +
      'requirement aws_lambda_powertools\x1b[0m\x1b[31m (from versions: none)\n' +
      '\x1b[31mERROR: No matching distribution found for ' +
      'aws_lambda_powertools\x1b[0m\n';

    expect(notFoundRequirements(output)).toEqual(['aws_lambda_powertools']);
  });
});

describe('createPipClient', () => {
  it('streams pip output line by line', async () => {
    await buildWheel(
      { name: 'streamed', version: '1.0', files: { 'streamed.py': '' } },
      join(workDir, 'wheels'),
    );
    const lines: string[] = [];

    const result = await createPipClient().install(
      [
        '--no-index',
        '--find-links',
        join(workDir, 'wheels'),
        '--target',
        join(workDir, 'target'),
        'streamed',
      ],
      { cwd: workDir, env: pipEnv, onOutput: (line) => lines.push(line) },
    );

    expect(result.exitCode).toBe(0);
    expect(lines).toContain('Successfully installed streamed-1.0');
    expect(result.output.split('\n')).toEqual(lines);
  });

  it('rejects a missing interpreter', async () => {
    const client = createPipClient(join(workDir, 'no-such-python'));

    await expect(
      client.install(['x'], {
        cwd: workDir,
        env: pipEnv,
        onOutput: () => undefined,
      }),
    ).rejects.toThrow(
      `cannot run ${join(workDir, 'no-such-python')}: not found; install ` +
        'Python 3 or set the `python` option to the interpreter path',
    );
  });

  it('explains a Python without pip', async () => {
    const venv = join(workDir, 'venv');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
    const client = createPipClient(join(venv, 'bin', 'python'));

    await expect(
      runPipInstall(client, ['x'], {
        cwd: workDir,
        env: pipEnv,
        onOutput: () => undefined,
        configSource: 'layer.json',
      }),
    ).rejects.toThrow(
      'pip install failed with exit code 1: pip is not installed for this Python',
    );
  });
});

describe('runPipInstall', () => {
  it('names a requirement that no source has', async () => {
    mkdirSync(join(workDir, 'empty'));
    const args = [
      '--no-index',
      '--find-links',
      join(workDir, 'empty'),
      '--target',
      join(workDir, 'target'),
      'ghost==1.0',
    ];

    await expect(
      runPipInstall(createPipClient(), args, {
        cwd: workDir,
        env: pipEnv,
        onOutput: () => undefined,
        configSource: 'apps/layer/layer.json',
      }),
    ).rejects.toThrow(
      'pip install failed with exit code 1: pip could not find a distribution ' +
        `for ghost==1.0 (looked in no index (--no-index) and links ${join(workDir, 'empty')}); ` +
        'set pip.indexUrl or pip.findLinks in apps/layer/layer.json to a ' +
        'source that has the packages, or check the network',
    );
  });

  it('names an index that cannot be reached', async () => {
    const indexUrl = `http://127.0.0.1:${await closedPort()}/simple`;
    const args = [
      '--index-url',
      indexUrl,
      // pip reports the connection error only when it retries.
      '--retries',
      '1',
      '--timeout',
      '2',
      '--target',
      join(workDir, 'target'),
      'ghost',
    ];

    const run = runPipInstall(createPipClient(), args, {
      cwd: workDir,
      env: pipEnv,
      onOutput: () => undefined,
      configSource: 'layer.json',
    });

    await expect(run).rejects.toThrow(
      'could not find a distribution for ghost',
    );
    await expect(run).rejects.toThrow(`looked in indexes ${indexUrl}`);
    await expect(run).rejects.toThrow('and could not reach an index');
  });
});

describe('describePipFailure', () => {
  it('reports other errors with their ERROR lines', () => {
    const message = describePipFailure(
      {
        exitCode: 1,
        signal: null,
        output:
          'Processing ./broken.whl\nERROR: broken.whl is not a valid wheel filename.',
      },
      ['broken.whl'],
      'layer.json',
    );

    expect(message).toBe(
      'pip install failed with exit code 1: ERROR: broken.whl is not a valid wheel filename.',
    );
  });

  it('reports ERROR lines of coloured output', () => {
    // Nx sets FORCE_COLOR for its tasks, so pip colours its errors.
    const output = [
      '\x1b[31mERROR: Hashes are required in --require-hashes mode.',
      '    other==3.0.0 --hash=sha256:54f0\x1b[0m\x1b[31m',
      '\x1b[0m',
    ].join('\n');
    const message = describePipFailure(
      { exitCode: 1, signal: null, output },
      [],
      'layer.json',
    );

    expect(message).toBe(
      'pip install failed with exit code 1: ERROR: Hashes are required in --require-hashes mode.',
    );
  });

  it('names a find-links folder that does not exist', () => {
    const output = [
      "WARNING: Location '/ws/wheelz' is ignored: it is either a non-existing path or lacks a specific scheme.",
      'ERROR: No matching distribution found for other==3.0.0',
    ].join('\n');
    const message = describePipFailure(
      { exitCode: 1, signal: null, output },
      ['--no-index', '--find-links', '/ws/wheelz'],
      'layer.json',
    );

    expect(message).toContain('links /ws/wheelz (not found)');
  });

  it('names PIP_NO_INDEX as the source', () => {
    const message = describePipFailure(
      {
        exitCode: 1,
        signal: null,
        output: 'ERROR: No matching distribution found for other==3.0.0',
      },
      [],
      'layer.json',
      { PIP_NO_INDEX: '1' },
    );

    expect(message).toContain('(looked in no index (PIP_NO_INDEX));');
  });

  it('reports a stop by signal', () => {
    const message = describePipFailure(
      { exitCode: null, signal: 'SIGTERM', output: 'Collecting sosw' },
      [],
      'layer.json',
    );

    expect(message).toBe('pip install was stopped by SIGTERM: Collecting sosw');
  });
});

describe('checkPipVersion', () => {
  const result = (output: string) => ({ exitCode: 0, signal: null, output });

  it('returns the pip and Python versions', () => {
    expect(
      checkPipVersion(
        result('pip 23.2.1 from /usr/lib/pip (python 3.11)'),
        'python3',
      ),
    ).toEqual({ pip: '23.2', python: '3.11' });
  });

  it('rejects an old pip on a new Python', () => {
    expect(() =>
      checkPipVersion(result('pip 20.3.4 from /x (python 3.12)'), 'py'),
    ).toThrow('py has pip 20.3, older than 21.0; upgrade it');
  });

  it('rejects output that names no version', () => {
    expect(() => checkPipVersion(result('hello'), 'py')).toThrow(
      'cannot run pip with py: the pip version check printed "hello"',
    );
  });
});

describe('pipInstallArgs target', () => {
  it('adds constraints and platform arguments', () => {
    const args = pipInstallArgs({
      target: '/t',
      requirementsFile: '/r.txt',
      workspaceRoot: '/w',
      constraintsFile: '/w/c.txt',
      platform: targetPlatform('python3.12', 'arm64'),
    });

    expect(args).toContain('--only-binary=:all:');
    expect(
      args.slice(
        args.indexOf('--constraint'),
        args.indexOf('--constraint') + 2,
      ),
    ).toEqual(['--constraint', '/w/c.txt']);
    expect(args).toContain('manylinux_2_34_aarch64');
  });
});

describe('describePipFailure git', () => {
  it('names a git ref that is not found', () => {
    const output = [
      'Cloning https://h/a.git (to revision nope) to /tmp/x',
      '× git checkout -q nope did not run successfully.',
    ].join('\n');

    expect(
      describePipFailure(
        { exitCode: 1, signal: null, output },
        [],
        'layer.json',
      ),
    ).toBe(
      'pip install failed with exit code 1: git ref nope not found in ' +
        'https://h/a.git; check the branch, tag or commit name in the ' +
        'requirement or in the ref option',
    );
  });
});
