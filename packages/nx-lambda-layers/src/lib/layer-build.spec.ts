import { logger } from '@nx/devkit';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { buildLayer, type BuildLayerOptions } from './layer-build';
import { normalizeLayerConfig, type LayerConfigFile } from './layer-config';
import type { LayerManifest } from './manifest';
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
const projectRoot = 'apps/demo-layer';

let wheelDir: string;
let workspaceRoot: string;
let infoLines: string[];

beforeAll(async () => {
  // Wheels are built once; every test gets its own workspace that links to them.
  wheelDir = mkdtempSync(join(tmpdir(), 'layer-build-wheels-'));
  await makeWheels(wheelDir);
});

afterAll(() => {
  rmSync(wheelDir, { recursive: true, force: true });
});

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'layer-build-spec-'));
  mkdirSync(join(workspaceRoot, projectRoot), { recursive: true });
  infoLines = [];
  jest.spyOn(logger, 'info').mockImplementation((line: string) => {
    infoLines.push(line);
  });
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(workspaceRoot, { recursive: true, force: true });
});

async function makeWheels(dir: string): Promise<void> {
  await buildWheel(
    {
      name: 'demo-http',
      version: '2.1.0',
      requires: ['demo-dep>=1'],
      files: {
        'demo_http/__init__.py': 'def get(url): return url\n',
        'demo_http/__pycache__/__init__.cpython-311.pyc': 'stale bytecode',
        'demo_http/compiled.pyc': 'stale bytecode',
        'demo_http-2.1.0.data/scripts/demo-http': '#!python\nprint("cli")\n',
      },
    },
    dir,
  );
  await buildWheel(
    { name: 'demo-dep', version: '1.4', files: { 'demo_dep.py': 'X = 1\n' } },
    dir,
  );
  await buildWheel(
    {
      name: 'Orchestrator',
      version: '0.9.0',
      requires: ['absent-dep>=3'],
      files: { 'orchestrator/__init__.py': 'VERSION = "0.9.0"\n' },
    },
    dir,
  );
}

function writeRequirements(text: string): void {
  writeFileSync(join(workspaceRoot, projectRoot, 'requirements.txt'), text);
}

function layerOptions(
  config: Partial<LayerConfigFile> = {},
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
  };
}

const zipPath = () => join(workspaceRoot, 'dist', projectRoot, 'layer.zip');
const manifestPath = () =>
  join(workspaceRoot, 'dist', projectRoot, 'layer.manifest.json');

async function zipNames(): Promise<string[]> {
  const archive = await JSZip.loadAsync(readFileSync(zipPath()));
  return Object.keys(archive.files).sort();
}

describe('buildLayer', () => {
  it('writes a zip of python/ and its manifest', async () => {
    writeRequirements('demo-http==2.1.0  # with its dependency\n');

    const result = await buildLayer(layerOptions());

    expect(result.zipFile).toBe(zipPath());
    expect(await zipNames()).toEqual([
      'python/demo_dep-1.4.dist-info/METADATA',
      'python/demo_dep-1.4.dist-info/WHEEL',
      'python/demo_dep.py',
      'python/demo_http-2.1.0.dist-info/METADATA',
      'python/demo_http-2.1.0.dist-info/WHEEL',
      'python/demo_http/__init__.py',
    ]);
    expect(
      existsSync(join(workspaceRoot, 'dist', projectRoot, '.staging')),
    ).toBe(false);
  });

  it('records hashes that match the zip', async () => {
    writeRequirements('demo-http\n');

    await buildLayer(layerOptions({ runtimes: ['python3.12'] }));

    const bytes = readFileSync(zipPath());
    const digest = createHash('sha256').update(bytes).digest();
    const manifest = JSON.parse(
      readFileSync(manifestPath(), 'utf8'),
    ) as LayerManifest;
    expect(manifest.sha256).toBe(digest.toString('hex'));
    expect(manifest.sha256Base64).toBe(digest.toString('base64'));
    expect(manifest.zipBytes).toBe(bytes.length);
    expect(manifest.fileCount).toBe(6);
    expect(manifest.zipFile).toBe('layer.zip');
    expect(manifest.layerName).toBe('demo');
    expect(manifest.runtimes).toEqual(['python3.12']);
    expect(manifest.architectures).toEqual(['x86_64']);
    expect(manifest.packages).toEqual([
      { name: 'demo-dep', version: '1.4' },
      { name: 'demo-http', version: '2.1.0' },
    ]);
  });

  it('gives identical zips across builds', async () => {
    writeRequirements('demo-http\n');

    await buildLayer(layerOptions());
    const first = readFileSync(zipPath());
    // Two seconds apart (the step of DOS times), so a file time that leaked
    // into the zip would change its bytes.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await buildLayer(layerOptions());
    const second = readFileSync(zipPath());

    expect(second.equals(first)).toBe(true);
  });

  it('strips bytecode, install records and scripts', async () => {
    writeRequirements('demo-http\n');

    await buildLayer(layerOptions());

    const names = await zipNames();
    expect(names.filter((name) => name.includes('__pycache__'))).toEqual([]);
    expect(names.filter((name) => name.endsWith('.pyc'))).toEqual([]);
    for (const file of [
      'RECORD',
      'INSTALLER',
      'REQUESTED',
      'direct_url.json',
    ]) {
      expect(
        names.filter((name) => name.endsWith(`.dist-info/${file}`)),
      ).toEqual([]);
    }
    expect(names.filter((name) => name.startsWith('python/bin/'))).toEqual([]);
  });

  it('logs each step and a summary', async () => {
    writeRequirements('demo-http\n');

    const result = await buildLayer(layerOptions());

    const steps = infoLines.filter((line) =>
      /^(Installing requirements with pip|Stripping |Zipping |Built )/.test(
        line,
      ),
    );
    expect(steps).toEqual([
      'Installing requirements with pip',
      'Stripping bytecode and install records',
      'Zipping 6 files under python/',
      `Built dist/${projectRoot}/layer.zip: ${result.manifest.zipBytes} bytes, ` +
        `SHA-256 ${result.manifest.sha256Base64} (base64, as ` +
        "Lambda's CodeSha256), 2 packages",
    ]);
    expect(
      infoLines.some((line) => line.includes('Successfully installed')),
    ).toBe(true);
  });

  it('keeps pip from warning about root', async () => {
    writeRequirements('demo-http\n');
    const { PIP_ROOT_USER_ACTION: _ignored, ...env } = pipEnv;

    await buildLayer({ ...layerOptions(), env });

    // pip 22.1 and later warn on every run as root, as CI runs. Run as
    // another user, this test passes without checking anything.
    const warnings = infoLines.filter((line) => line.includes("'root' user"));
    expect(warnings).toEqual([]);
  });

  it('installs noDependencies packages with --no-deps', async () => {
    // orchestrator requires absent-dep, which no wheel provides.
    writeRequirements('Orchestrator==0.9.0\ndemo-http\n');

    const result = await buildLayer(
      layerOptions({ noDependencies: ['orchestrator'] }),
    );

    expect(result.manifest.packages.map((item) => item.name)).toEqual([
      'demo-dep',
      'demo-http',
      'Orchestrator',
    ]);
    expect(infoLines).toContain('Installing requirements with pip --no-deps');
  });

  it('fails on the dependency without noDependencies', async () => {
    writeRequirements('Orchestrator==0.9.0\n');

    await expect(buildLayer(layerOptions())).rejects.toThrow(
      'could not find a distribution for absent-dep>=3',
    );
  });

  it('installs only --no-deps requirements', async () => {
    writeRequirements('orchestrator\n');

    const result = await buildLayer(
      layerOptions({ noDependencies: ['Orchestrator'] }),
    );

    expect(result.manifest.packages).toEqual([
      { name: 'Orchestrator', version: '0.9.0' },
    ]);
    expect(
      infoLines.filter((line) => /^Installing \S+ with pip/.test(line)),
    ).toHaveLength(1);
  });

  it('rejects noDependencies missing from requirements', async () => {
    writeRequirements('demo-http\n');

    await expect(
      buildLayer(layerOptions({ noDependencies: ['bson'] })),
    ).rejects.toThrow(
      `noDependencies names bson, which ${projectRoot}/requirements.txt does not list`,
    );
  });

  it('records the source of a direct URL install', async () => {
    const wheel = join(wheelDir, 'demo_dep-1.4-py3-none-any.whl');
    writeRequirements(`demo-dep @ file://${wheel}\n`);

    const result = await buildLayer(layerOptions());

    expect(result.sources).toEqual([
      {
        name: 'demo-dep',
        url: `file://${wheel}`,
        vcs: undefined,
        commitId: undefined,
        requestedRevision: undefined,
      },
    ]);
  });

  it('rejects a missing requirements file', async () => {
    await expect(buildLayer(layerOptions())).rejects.toThrow(
      `requirements file ${projectRoot}/requirements.txt not found; set the ` +
        `\`requirements\` option or "requirements" in ${projectRoot}/layer.json, ` +
        'create the file, or list the requirements in the `packages` option',
    );
  });

  it('rejects an empty requirements file', async () => {
    writeRequirements('# nothing yet\n\n');

    await expect(buildLayer(layerOptions())).rejects.toThrow(
      `no requirements to install: ${projectRoot}/requirements.txt and the ` +
        '`packages` option list none',
    );
  });

  it('installs a file that only includes another', async () => {
    writeFileSync(join(workspaceRoot, 'shared.txt'), 'demo-dep==1.4\n');
    writeRequirements('# shared with other layers\n-r ../../shared.txt\n');

    await buildLayer(layerOptions());

    expect(await zipNames()).toContain('python/demo_dep.py');
  });

  it('names the missing requirement and the fix', async () => {
    writeRequirements('demo-http\nghost-package==1.0\n');

    const build = buildLayer(layerOptions());

    await expect(build).rejects.toThrow(
      'pip could not find a distribution for ghost-package==1.0',
    );
    await expect(build).rejects.toThrow(`links ${wheelDir}`);
    await expect(build).rejects.toThrow(
      `set pip.indexUrl or pip.findLinks in ${projectRoot}/layer.json`,
    );
  });

  it('places an invalid line in its source file', async () => {
    writeRequirements(
      '# pinned for Lambda\n# reviewed\ndemo-dep==1.4\n\nfarewell =>> 1.0  # typo\n',
    );

    await expect(buildLayer(layerOptions())).rejects.toThrow(
      `invalid requirement "farewell =>> 1.0" on line 5 of ${projectRoot}/requirements.txt; ` +
        'write it as name==version, such as sosw==2.7.1',
    );
  });

  it('places an invalid line in the packages', async () => {
    writeRequirements('demo-dep==1.4\n');

    await expect(
      buildLayer(layerOptions({ packages: ['farewell =>> 1.0'] })),
    ).rejects.toThrow(
      'invalid requirement "farewell =>> 1.0" in the packages of ' +
        `${projectRoot}/layer.json`,
    );
  });

  it('keeps the previous zip when a build fails', async () => {
    writeRequirements('demo-http\n');
    await buildLayer(layerOptions());
    const zipBefore = readFileSync(zipPath());
    const manifestBefore = readFileSync(manifestPath(), 'utf8');

    writeRequirements('demo-http\nghost-package\n');
    await expect(buildLayer(layerOptions())).rejects.toThrow('ghost-package');

    expect(readFileSync(zipPath()).equals(zipBefore)).toBe(true);
    expect(readFileSync(manifestPath(), 'utf8')).toBe(manifestBefore);
    expect(
      existsSync(join(workspaceRoot, 'dist', projectRoot, '.staging')),
    ).toBe(false);
  });

  it('writes to outputPath', async () => {
    writeRequirements('demo-dep\n');

    const result = await buildLayer({
      ...layerOptions(),
      outputPath: 'out/layer',
    });

    expect(result.zipFile).toBe(join(workspaceRoot, 'out/layer/layer.zip'));
    expect(existsSync(result.zipFile)).toBe(true);
    expect(
      existsSync(join(workspaceRoot, 'out/layer/layer.manifest.json')),
    ).toBe(true);
  });
});
