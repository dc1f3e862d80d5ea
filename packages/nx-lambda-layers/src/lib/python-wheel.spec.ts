import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import JSZip from 'jszip';
import {
  buildWheel,
  buildWheelFromProject,
  wheelDistributionName,
  wheelFileName,
} from './python-wheel';

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

/** Prints name, version and Requires-Dist of each distribution in a folder. */
const PYTHON_LIST_DISTRIBUTIONS = `
import importlib.metadata, json, sys
print(json.dumps(sorted(
    [d.metadata["Name"], d.version, d.requires or []]
    for d in importlib.metadata.distributions(path=[sys.argv[1]])
)))
`;

/** Checks every RECORD row of a wheel against the file's bytes. */
const PYTHON_CHECK_RECORD = `
import base64, csv, hashlib, io, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    rows = list(csv.reader(io.StringIO(wheel.read(record).decode())))
    assert sorted(r[0] for r in rows) == sorted(wheel.namelist()), "RECORD lists other files"
    for path, digest, size in rows:
        if path == record:
            assert digest == "", "RECORD row of RECORD has a hash"
            assert size == "", "RECORD row of RECORD has a size"
            continue
        data = wheel.read(path)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == "sha256=" + expected, path
        assert int(size) == len(data), path
print("ok")
`;

let workDir: string;

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'wheel-spec-'));
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function pipInstall(requirement: string, wheelDir: string, target: string) {
  return spawnSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--no-index',
      '--find-links',
      wheelDir,
      '--target',
      target,
      '--disable-pip-version-check',
      requirement,
    ],
    { env: pipEnv, encoding: 'utf8' },
  );
}

function listDistributions(target: string): [string, string, string[]][] {
  const output = execFileSync('python3', [
    '-c',
    PYTHON_LIST_DISTRIBUTIONS,
    target,
  ]);
  return JSON.parse(output.toString());
}

describe('wheel names', () => {
  it('normalizes distribution names', () => {
    expect(wheelDistributionName('My.Lib--Extra_x')).toBe('my_lib_extra_x');
    expect(wheelFileName('aws-lambda-powertools', '2.0rc1')).toBe(
      'aws_lambda_powertools-2.0rc1-py3-none-any.whl',
    );
  });
});

describe('buildWheel', () => {
  it('installs with pip and its dependency', async () => {
    const wheels = join(workDir, 'wheels');
    const target = join(workDir, 'target');
    await buildWheel(
      {
        name: 'Demo.Lib',
        version: '1.2.0',
        requires: ['demo-dep>=0.5'],
        files: { 'demo_lib/__init__.py': 'VALUE = 42\n' },
      },
      wheels,
    );
    await buildWheel(
      {
        name: 'demo-dep',
        version: '0.5.1',
        files: { 'demo_dep.py': 'X = 1\n' },
      },
      wheels,
    );

    const pip = pipInstall('demo.lib==1.2.0', wheels, target);

    expect(pip.stderr).toBe('');
    expect(pip.status).toBe(0);
    expect(readFileSync(join(target, 'demo_lib/__init__.py'), 'utf8')).toBe(
      'VALUE = 42\n',
    );
    expect(existsSync(join(target, 'demo_dep.py'))).toBe(true);
    expect(listDistributions(target)).toEqual([
      ['Demo.Lib', '1.2.0', ['demo-dep>=0.5']],
      ['demo-dep', '0.5.1', []],
    ]);
  });

  it('fails to install when a dependency is missing', async () => {
    const wheels = join(workDir, 'wheels');
    await buildWheel(
      {
        name: 'needy',
        version: '1.0',
        requires: ['absent-dep'],
        files: { 'needy.py': '' },
      },
      wheels,
    );

    const pip = pipInstall('needy', wheels, join(workDir, 'target'));

    expect(pip.status).not.toBe(0);
    expect(pip.stderr).toContain(
      'No matching distribution found for absent-dep',
    );
  });

  it('writes a RECORD that matches the files', async () => {
    const wheel = await buildWheel(
      {
        name: 'recorded',
        version: '3.0.post1',
        files: {
          'recorded/__init__.py': '',
          'recorded/data,with,commas.txt': Buffer.from([0, 1, 2, 255]),
        },
      },
      workDir,
    );

    expect(basename(wheel)).toBe('recorded-3.0.post1-py3-none-any.whl');
    const check = spawnSync('python3', ['-c', PYTHON_CHECK_RECORD, wheel], {
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.stdout).toBe('ok\n');
  });

  it('writes METADATA and WHEEL', async () => {
    const wheel = await buildWheel(
      {
        name: 'meta',
        version: '1.0',
        requires: ['a', 'b>=2'],
        files: { 'meta.py': '' },
      },
      workDir,
    );

    const archive = await JSZip.loadAsync(readFileSync(wheel));
    expect(
      await archive.file('meta-1.0.dist-info/METADATA')?.async('string'),
    ).toBe(
      'Metadata-Version: 2.1\nName: meta\nVersion: 1.0\n' +
        'Requires-Dist: a\nRequires-Dist: b>=2\n',
    );
    const wheelFile = await archive
      .file('meta-1.0.dist-info/WHEEL')
      ?.async('string');
    expect(wheelFile).toContain('Wheel-Version: 1.0\n');
    expect(wheelFile).toContain('Root-Is-Purelib: true\n');
    expect(wheelFile).toContain('Tag: py3-none-any\n');
  });

  it('gives the same bytes twice', async () => {
    const spec = {
      name: 'same',
      version: '1.0',
      files: { 'same.py': 'x = 1\n' },
    };

    const first = readFileSync(await buildWheel(spec, join(workDir, 'a')));
    const second = readFileSync(await buildWheel(spec, join(workDir, 'b')));

    expect(second.equals(first)).toBe(true);
  });

  it('rejects invalid names, versions and paths', async () => {
    const files = { 'x.py': '' };

    await expect(
      buildWheel({ name: '-bad', version: '1.0', files }, workDir),
    ).rejects.toThrow('invalid distribution name "-bad"');
    await expect(
      buildWheel({ name: 'ok', version: '1.0-1', files }, workDir),
    ).rejects.toThrow('invalid version "1.0-1" of ok');
    await expect(
      buildWheel(
        { name: 'ok', version: '1.0', files: { '../x.py': '' } },
        workDir,
      ),
    ).rejects.toThrow('invalid wheel file path "../x.py"');
    await expect(
      buildWheel(
        {
          name: 'ok',
          version: '1.0',
          files: { 'ok-1.0.dist-info/RECORD': '' },
        },
        workDir,
      ),
    ).rejects.toThrow('inside the .dist-info folder');
  });
});

describe('buildWheelFromProject', () => {
  function writeProject(files: Record<string, string>): string {
    const project = join(workDir, 'project');
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), content);
    }
    return project;
  }

  it('builds a src layout project', async () => {
    const project = writeProject({
      'pyproject.toml':
        '[project]\nname = "my-worker"\nversion = "0.3.0"\n' +
        'dependencies = ["bson>=0.5"]\n',
      'src/my_worker/__init__.py': 'NAME = "worker"\n',
      'src/my_worker/__pycache__/__init__.cpython-311.pyc': 'bytecode',
      'src/my_worker/jobs/run.py': 'def run(): pass\n',
    });

    const wheel = await buildWheelFromProject(project, join(workDir, 'out'));

    expect(basename(wheel)).toBe('my_worker-0.3.0-py3-none-any.whl');
    const archive = await JSZip.loadAsync(readFileSync(wheel));
    expect(Object.keys(archive.files).sort()).toEqual([
      'my_worker-0.3.0.dist-info/METADATA',
      'my_worker-0.3.0.dist-info/RECORD',
      'my_worker-0.3.0.dist-info/WHEEL',
      'my_worker/__init__.py',
      'my_worker/jobs/run.py',
    ]);
    const metadata = await archive
      .file('my_worker-0.3.0.dist-info/METADATA')
      ?.async('string');
    expect(metadata).toContain('Requires-Dist: bson>=0.5\n');
  });

  it('builds a flat layout project', async () => {
    const project = writeProject({
      'pyproject.toml': '[project]\nname = "flat"\nversion = "1.0"\n',
      'flat/__init__.py': '',
    });
    const target = join(workDir, 'target');

    await buildWheelFromProject(project, join(workDir, 'out'));
    const pip = pipInstall('flat', join(workDir, 'out'), target);

    expect(pip.status).toBe(0);
    expect(existsSync(join(target, 'flat/__init__.py'))).toBe(true);
  });

  it('rejects a project without its package', async () => {
    const project = writeProject({
      'pyproject.toml': '[project]\nname = "lost"\nversion = "1.0"\n',
    });

    await expect(buildWheelFromProject(project, workDir)).rejects.toThrow(
      `no package folder for lost in ${project}: tried src/lost and lost`,
    );
  });

  it('rejects a dynamic version', async () => {
    const project = writeProject({
      'pyproject.toml': '[project]\nname = "dyn"\ndynamic = ["version"]\n',
      'dyn/__init__.py': '',
    });

    await expect(buildWheelFromProject(project, workDir)).rejects.toThrow(
      '[project] must set name and version as strings',
    );
  });
});
