import { logger } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { buildLayer, type BuildLayerOptions } from './layer-build';
import { normalizeLayerConfig, type LayerConfigFile } from './layer-config';
import type { LayerManifest } from './manifest';
import { createPipClient, type PipClient } from './pip';
import { buildWheel } from './python-wheel';

/**
 * Environment for pip without the machine's pip settings: PIP_CONFIG_FILE
 * hides the configuration files, and PIP_* variables are dropped because
 * they apply even then.
 */
const pipEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('PIP_')),
  ),
  PIP_CONFIG_FILE: devNull,
  PIP_ROOT_USER_ACTION: 'ignore',
};
const projectRoot = 'apps/demo-layer';
const X86_SO = 'native_ext/_speed.cpython-312-x86_64-linux-gnu.so';
const ARM_SO = 'native_ext/_speed.cpython-312-aarch64-linux-gnu.so';

let wheelDir: string;
let workspaceRoot: string;
let infoLines: string[];
let warnLines: string[];

beforeAll(async () => {
  wheelDir = mkdtempSync(join(tmpdir(), 'layer-build-options-wheels-'));
  await makeWheels(wheelDir);
});

afterAll(() => {
  rmSync(wheelDir, { recursive: true, force: true });
});

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'layer-build-options-'));
  mkdirSync(join(workspaceRoot, projectRoot), { recursive: true });
  infoLines = [];
  warnLines = [];
  jest.spyOn(logger, 'info').mockImplementation((line: string) => {
    infoLines.push(line);
  });
  jest.spyOn(logger, 'warn').mockImplementation((line: string) => {
    warnLines.push(line);
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(workspaceRoot, { recursive: true, force: true });
});

async function makeWheels(dir: string): Promise<void> {
  const pure = (name: string, version: string, module: string) =>
    buildWheel({ name, version, files: { [module]: 'X = 1\n' } }, dir);
  await pure('demo-dep', '1.4', 'demo_dep.py');
  await pure('demo-dep', '1.5', 'demo_dep.py');
  await buildWheel(
    {
      name: 'demo-http',
      version: '2.1.0',
      requires: ['demo-dep>=1'],
      files: {
        'demo_http/__init__.py': '',
        'demo_http/tests/test_get.py': '',
        'demo_http/docs/guide.md': '# guide\n',
      },
    },
    dir,
  );
  for (const [machine, so] of [
    ['x86_64', X86_SO],
    ['aarch64', ARM_SO],
  ]) {
    await buildWheel(
      {
        name: 'native-ext',
        version: '1.0.0',
        tag: `cp312-cp312-manylinux_2_17_${machine}`,
        files: { 'native_ext/__init__.py': '', [so]: 'ELF stand-in' },
      },
      dir,
    );
  }
  await buildWheel(
    {
      name: 'new-glibc',
      version: '1.0.0',
      tag: 'cp311-cp311-manylinux_2_34_x86_64',
      files: { 'new_glibc/__init__.py': '' },
    },
    dir,
  );
}

function writeProjectFile(name: string, text: string): void {
  writeFileSync(join(workspaceRoot, projectRoot, name), text);
}

function layerOptions(
  config: Partial<LayerConfigFile> = {},
  extra: Partial<BuildLayerOptions> = {},
): BuildLayerOptions {
  return {
    workspaceRoot,
    projectRoot,
    config: normalizeLayerConfig(
      {
        layerName: 'demo',
        ssmParameter: '/lambda-layers/demo/arn',
        pip: { noIndex: true, findLinks: [wheelDir] },
        ...config,
      },
      'layer.json',
    ),
    env: pipEnv,
    ...extra,
  };
}

const zipPath = () => join(workspaceRoot, 'dist', projectRoot, 'layer.zip');

function readManifest(): LayerManifest {
  const path = join(workspaceRoot, 'dist', projectRoot, 'layer.manifest.json');
  return JSON.parse(readFileSync(path, 'utf8')) as LayerManifest;
}

async function zipNames(): Promise<string[]> {
  const archive = await JSZip.loadAsync(readFileSync(zipPath()));
  return Object.keys(archive.files).sort();
}

describe('buildLayer requirement sources', () => {
  it('installs an inline list without a file', async () => {
    await buildLayer(layerOptions({ packages: ['demo-dep==1.4'] }));

    expect(readManifest().packages).toEqual([
      { name: 'demo-dep', version: '1.4' },
    ]);
  });

  it('installs the file and the inline list', async () => {
    writeProjectFile('requirements.txt', 'demo-dep==1.4\n');

    await buildLayer(layerOptions({ packages: ['demo-http==2.1.0'] }));

    expect(readManifest().packages).toEqual([
      { name: 'demo-dep', version: '1.4' },
      { name: 'demo-http', version: '2.1.0' },
    ]);
  });

  it('rejects a set requirements file that is missing', async () => {
    const build = buildLayer(
      layerOptions(
        { packages: ['demo-dep==1.4'], requirements: 'absent.txt' },
        { requirementsFileSet: true },
      ),
    );

    await expect(build).rejects.toThrow(
      `requirements file ${projectRoot}/absent.txt not found`,
    );
  });

  it('applies a constraints file', async () => {
    writeProjectFile('constraints.txt', 'demo-dep==1.4\n');

    await buildLayer(
      layerOptions({
        packages: ['demo-http==2.1.0'],
        pip: {
          noIndex: true,
          findLinks: [wheelDir],
          constraints: 'constraints.txt',
        },
      }),
    );

    expect(readManifest().packages).toContainEqual({
      name: 'demo-dep',
      version: '1.4',
    });
  });

  it('keeps PIP_* environment variables working', async () => {
    const env = { ...pipEnv, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheelDir };

    await buildLayer({
      ...layerOptions({ packages: ['demo-dep==1.5'], pip: {} }),
      env,
    });

    expect(readManifest().packages).toEqual([
      { name: 'demo-dep', version: '1.5' },
    ]);
  });

  it('warns about requirements not pinned', async () => {
    await buildLayer(layerOptions({ packages: ['demo-dep>=1.4'] }));

    expect(warnLines).toEqual([
      expect.stringContaining(
        'requirements not pinned to one version: demo-dep>=1.4',
      ),
    ]);
  });

  it('builds a workspace Python project', async () => {
    const libDir = join(workspaceRoot, 'libs/python/shared-utils');
    mkdirSync(join(libDir, 'src/shared_utils'), { recursive: true });
    writeFileSync(
      join(libDir, 'pyproject.toml'),
      '[project]\nname = "shared-utils"\nversion = "0.3.0"\n',
    );
    writeFileSync(join(libDir, 'src/shared_utils/__init__.py'), 'A = 1\n');

    await buildLayer(
      layerOptions({ packages: ['../../libs/python/shared-utils'] }),
    );

    expect(readManifest().packages).toEqual([
      { name: 'shared-utils', version: '0.3.0' },
    ]);
    expect(await zipNames()).toContain('python/shared_utils/__init__.py');
  });
});

/**
 * Creates a git repository with a pure-Python project and two branches.
 * The project carries its own PEP 517 build backend with no requirements.
 * The machine's Python has setuptools but not the `wheel` package, and pip
 * cannot fetch either offline, so this backend lets pip's real git clone
 * and build run without an index.
 */
function createGitProject(root: string): { url: string; commits: string[] } {
  const repo = join(root, 'git-lib');
  mkdirSync(join(repo, 'git_lib'), { recursive: true });
  mkdirSync(join(repo, '_backend'));
  writeFileSync(
    join(repo, 'pyproject.toml'),
    '[build-system]\nrequires = []\nbuild-backend = "backend"\n' +
      'backend-path = ["_backend"]\n',
  );
  writeFileSync(join(repo, '_backend/backend.py'), BACKEND);
  writeFileSync(join(repo, 'git_lib/__init__.py'), 'BRANCH = "main"\n');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    })
      .toString()
      .trim();

  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'main');
  const mainCommit = git('rev-parse', 'HEAD');

  git('checkout', '-q', '-b', 'feature');
  writeFileSync(join(repo, 'git_lib/__init__.py'), 'BRANCH = "feature"\n');
  git('commit', '-q', '-am', 'feature');
  return {
    url: `file://${repo}`,
    commits: [mainCommit, git('rev-parse', 'HEAD')],
  };
}

/** PEP 517 backend that zips `git_lib/` into a py3-none-any wheel. */
const BACKEND = `import base64, hashlib, os, zipfile
NAME, VERSION = "git_lib", "0.1.0"
DIST = NAME + "-" + VERSION + ".dist-info"
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    for root, _, names in os.walk(NAME):
        for name in sorted(names):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[path.replace(os.sep, "/")] = f.read()
    files[DIST + "/METADATA"] = b"Metadata-Version: 2.1\\nName: git-lib\\nVersion: 0.1.0\\n"
    files[DIST + "/WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    wheel = NAME + "-" + VERSION + "-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(path + ",sha256=" + digest + "," + str(len(data)))
        record.append(DIST + "/RECORD,,")
        z.writestr(DIST + "/RECORD", "\\n".join(record) + "\\n")
    return wheel
`;

describe('buildLayer from git', () => {
  it('records the commit of a git requirement', async () => {
    const { url, commits } = createGitProject(workspaceRoot);

    await buildLayer(
      layerOptions({ packages: [`git+${url}@main#egg=git-lib`] }),
    );

    expect(readManifest().sources).toEqual([
      {
        name: 'git-lib',
        url,
        vcs: 'git',
        commitId: commits[0],
        requestedRevision: 'main',
      },
    ]);
  });

  it('replaces the ref with the ref option', async () => {
    const { url, commits } = createGitProject(workspaceRoot);
    const packages = [`git+${url}@main#egg=git-lib`];

    await buildLayer(layerOptions({ packages }, { ref: 'feature' }));

    const source = readManifest().sources?.[0];
    expect(source?.commitId).toBe(commits[1]);
    expect(source?.requestedRevision).toBe('feature');
    const archive = await JSZip.loadAsync(readFileSync(zipPath()));
    const init = archive.file('python/git_lib/__init__.py');
    expect(await init?.async('string')).toBe('BRANCH = "feature"\n');
  });

  it('names a git ref that is not found', async () => {
    const { url } = createGitProject(workspaceRoot);
    const packages = [`git+${url}@main#egg=git-lib`];

    const build = buildLayer(layerOptions({ packages }, { ref: 'no-such' }));

    await expect(build).rejects.toThrow(
      `git ref no-such not found in ${url}; check the branch, tag or commit`,
    );
  });

  it('rejects a ref without a git requirement', async () => {
    const build = buildLayer(
      layerOptions({ packages: ['demo-dep==1.4'] }, { ref: 'main' }),
    );

    await expect(build).rejects.toThrow(
      'the ref option needs exactly one requirement from git, but none installs',
    );
  });

  it('builds git with a runtime under noDependencies', async () => {
    const { url, commits } = createGitProject(workspaceRoot);

    await buildLayer(
      layerOptions({
        packages: [`git+${url}@main#egg=git-lib`, 'native-ext==1.0.0'],
        noDependencies: ['git-lib'],
        runtime: 'python3.12',
      }),
    );

    expect(readManifest().sources?.[0].commitId).toBe(commits[0]);
  });

  it('rejects git with a runtime and dependencies', async () => {
    const { url } = createGitProject(workspaceRoot);
    const packages = [`git+${url}@main#egg=git-lib`];

    const build = buildLayer(layerOptions({ packages, runtime: 'python3.12' }));

    await expect(build).rejects.toThrow('add its name to noDependencies');
  });
});

describe('buildLayer target platform', () => {
  it('installs wheels for the runtime and records .so tags', async () => {
    await buildLayer(
      layerOptions({ packages: ['native-ext==1.0.0'], runtime: 'python3.12' }),
    );

    const manifest = readManifest();
    expect(manifest.nativeExtensions).toEqual([
      {
        path: `python/${X86_SO}`,
        package: 'native-ext',
        tags: ['cp312-cp312-manylinux_2_17_x86_64'],
      },
    ]);
    expect(manifest.target?.pythonVersion).toBe('3.12');
    expect(manifest.target?.platforms[0]).toBe('manylinux_2_34_x86_64');
  });

  it('installs arm64 wheels', async () => {
    await buildLayer(
      layerOptions({
        packages: ['native-ext==1.0.0'],
        runtime: 'python3.12',
        architecture: 'arm64',
        architectures: ['arm64'],
      }),
    );

    expect(await zipNames()).toContain(`python/${ARM_SO}`);
  });

  it('names the package and platform without a wheel', async () => {
    const build = buildLayer(
      layerOptions({ packages: ['new-glibc==1.0.0'], runtime: 'python3.11' }),
    );

    await expect(build).rejects.toThrow(
      'no wheel of new-glibc==1.0.0 for python3.11 x86_64 (CPython 3.11, ' +
        'platform manylinux_2_26_x86_64 down to manylinux1_x86_64)',
    );
  });

  it('uses the site-packages layout', async () => {
    await buildLayer(
      layerOptions({
        packages: ['demo-dep==1.4'],
        runtime: 'python3.12',
        runtimes: ['python3.12'],
        layout: 'site-packages',
      }),
    );

    expect(await zipNames()).toContain(
      'python/lib/python3.12/site-packages/demo_dep.py',
    );
    expect(readManifest().layout).toBe('python/lib/python3.12/site-packages/');
  });

  it.each([
    [{ runtime: 'python2.7' }, 'invalid runtime "python2.7"'],
    [{ architecture: 'arm64' as const }, 'architecture arm64 needs a runtime'],
    [
      { layout: 'site-packages' as const },
      'layout "site-packages" needs a runtime',
    ],
    [{ exclude: 'tests' as unknown as string[] }, 'invalid exclude "tests"'],
    [
      { runtime: 'python3.12', layout: 'site-packages' as const },
      'layout "site-packages" puts the packages under ' +
        'python/lib/python3.12/site-packages/, which only python3.12 reads, ' +
        'but the layer runtimes also list python3.10, python3.11, ' +
        'python3.13; set runtimes in apps/demo-layer/layer.json to ' +
        '["python3.12"] or use layout "python", which every runtime reads',
    ],
    [
      { runtime: 'python3.10', runtimes: ['python3.12', 'python3.13'] },
      'runtime python3.10 is not one of the layer runtimes python3.12, ' +
        'python3.13, so the layer would be published for runtimes it was ' +
        'not built for; pass one of them or add python3.10 to runtimes in ' +
        'apps/demo-layer/layer.json',
    ],
    [
      { runtime: 'python3.12', architecture: 'arm64' as const },
      'architecture arm64 is not one of the layer architectures x86_64',
    ],
  ])('rejects invalid settings %j', async (config, message) => {
    // The layer.json checks reject some values before buildLayer runs.
    const build = (async () =>
      buildLayer(layerOptions({ packages: ['demo-dep==1.4'], ...config })))();

    await expect(build).rejects.toThrow(message);
  });
});

describe('buildLayer contents and limits', () => {
  it('gives identical zips in another workspace', async () => {
    await buildLayer(layerOptions({ packages: ['demo-http==2.1.0'] }));
    const first = readFileSync(zipPath());
    const otherRoot = mkdtempSync(join(tmpdir(), 'layer-build-other-'));
    mkdirSync(join(otherRoot, projectRoot), { recursive: true });

    try {
      const result = await buildLayer({
        ...layerOptions({ packages: ['demo-http==2.1.0'] }),
        workspaceRoot: otherRoot,
      });

      expect(readFileSync(result.zipFile).equals(first)).toBe(true);
    } finally {
      rmSync(otherRoot, { recursive: true, force: true });
    }
  });

  it('leaves out exclude globs and dist-info', async () => {
    await buildLayer(
      layerOptions({
        packages: ['demo-http==2.1.0'],
        exclude: ['tests', 'demo_http/docs/**'],
        keepDistInfo: false,
      }),
    );

    expect(await zipNames()).toEqual([
      'python/demo_dep.py',
      'python/demo_http/__init__.py',
    ]);
  });

  it('fails over the unzipped limit naming packages', async () => {
    // The limit is lowered so a small tree exceeds it.
    await buildLayer(layerOptions({ packages: ['demo-dep==1.4'] }));
    const zipBefore = readFileSync(zipPath());

    const build = buildLayer(
      layerOptions(
        { packages: ['demo-http==2.1.0'] },
        { unzippedLimitBytes: 20 },
      ),
    );

    await expect(build).rejects.toThrow(/unzipped, over Lambda's limit of 20/);
    await expect(build).rejects.toThrow(
      /largest packages are demo_http-2\.1\.0\.dist-info \d+ bytes/,
    );
    expect(readFileSync(zipPath()).equals(zipBefore)).toBe(true);
  });

  it('marks a zip over the direct upload limit', async () => {
    await buildLayer(
      layerOptions(
        { packages: ['demo-dep==1.4'] },
        { directUploadLimitBytes: 10 },
      ),
    );

    expect(readManifest().exceedsDirectUploadLimit).toBe(true);
    expect(warnLines).toEqual([
      expect.stringContaining('publish it through S3'),
    ]);
  });

  it('rejects a symlink out of the staging folder', async () => {
    // Fault injection: real pip runs, then a link to a file outside the
    // staging folder is added as if a package had installed it.
    const outside = join(workspaceRoot, 'secret.txt');
    writeFileSync(outside, 'not for the layer\n');
    const pip = createPipClient();
    const linkingPip: PipClient = {
      install: async (args, options) => {
        const result = await pip.install(args, options);
        const target = args[args.indexOf('--target') + 1];
        symlinkSync(outside, join(target, 'leak.txt'));
        return result;
      },
    };

    const build = buildLayer(
      layerOptions({ packages: ['demo-dep==1.4'] }, { pipClient: linkingPip }),
    );

    await expect(build).rejects.toThrow(
      /symbolic link .*leak\.txt .* points outside/,
    );
    expect(existsSync(zipPath())).toBe(false);
  });
});

describe('buildLayer Python checks', () => {
  it('rejects a missing interpreter', async () => {
    const missing = join(workspaceRoot, 'no-python');

    const build = buildLayer(
      layerOptions(
        { packages: ['demo-dep==1.4'] },
        { pipClient: createPipClient(missing), python: missing },
      ),
    );

    await expect(build).rejects.toThrow(`cannot run ${missing}: not found`);
  });

  it('rejects an old pip', async () => {
    // A stand-in interpreter that prints the version line of an old pip.
    const fake = join(workspaceRoot, 'old-python');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "pip 9.0.1 from /usr/lib/python3/dist-packages (python 3.6)"\n',
    );
    chmodSync(fake, 0o755);

    const build = buildLayer(
      layerOptions(
        { packages: ['demo-dep==1.4'] },
        { pipClient: createPipClient(fake), python: fake },
      ),
    );

    await expect(build).rejects.toThrow(
      `${fake} is Python 3.6, older than 3.9`,
    );
  });

  it('rejects an interpreter without pip', async () => {
    const fake = join(workspaceRoot, 'no-pip-python');
    writeFileSync(fake, '#!/bin/sh\necho "No module named pip" >&2\nexit 1\n');
    chmodSync(fake, 0o755);

    const build = buildLayer(
      layerOptions(
        { packages: ['demo-dep==1.4'] },
        { pipClient: createPipClient(fake), python: fake },
      ),
    );

    await expect(build).rejects.toThrow(`cannot run pip with ${fake}`);
  });
});
