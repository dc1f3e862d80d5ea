import { type ExecutorContext, logger } from '@nx/devkit';
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
import { normalizeLayerConfig } from '../../lib/layer-config';
import type { LayerManifest } from '../../lib/manifest';
import { createPipClient, type PipClient } from '../../lib/pip';
import { buildWheel } from '../../lib/python-wheel';
import buildLayerExecutor, { applyOptions } from './executor';
import schema from './schema.json';

const PROJECT_ROOT = 'apps/demo-layer';

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

/** The real pip client, run with the isolated environment. */
const isolatedPip: PipClient = {
  install: (args, options) =>
    createPipClient().install(args, { ...options, env: pipEnv }),
};

let workspaceRoot: string;
let errors: string[];
let warnings: string[];

beforeEach(async () => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'build-layer-executor-'));
  const projectDir = join(workspaceRoot, PROJECT_ROOT);
  mkdirSync(projectDir, { recursive: true });
  await buildWheel(
    { name: 'sosw', version: '2.7.1', files: { 'sosw/__init__.py': '' } },
    join(workspaceRoot, 'wheels'),
  );
  writeFileSync(
    join(projectDir, 'layer.json'),
    JSON.stringify({
      layerName: 'demo',
      ssmParameter: '/lambda-layers/demo/arn',
      architectures: ['x86_64', 'arm64'],
      pip: { noIndex: true, findLinks: ['wheels'] },
    }),
  );
  writeFileSync(join(projectDir, 'requirements.txt'), 'sosw==2.7.1\n');
  errors = [];
  warnings = [];
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  jest.spyOn(logger, 'warn').mockImplementation((message: string) => {
    warnings.push(message);
  });
  jest.spyOn(logger, 'error').mockImplementation((message: string) => {
    errors.push(message);
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(workspaceRoot, { recursive: true, force: true });
});

function context(inputs?: unknown[]): ExecutorContext {
  const targets = inputs ? { build: { inputs } } : undefined;
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName: 'demo-layer',
    targetName: 'build',
    projectsConfigurations: {
      version: 2,
      projects: { 'demo-layer': { root: PROJECT_ROOT, targets } },
    },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}

function readManifest(outputDir: string): LayerManifest {
  const path = join(workspaceRoot, outputDir, 'layer.manifest.json');
  return JSON.parse(readFileSync(path, 'utf8')) as LayerManifest;
}

describe('build-layer executor: cache inputs', () => {
  it('warns when target defaults replaced them', async () => {
    await buildLayerExecutor(
      {},
      context(['production', '^production']),
      isolatedPip,
    );

    expect(warnings).toEqual([
      expect.stringContaining(
        'the inputs of target build (["production","^production"]) ' +
          'replace the ones nx-lambda-layers infers',
      ),
    ]);
  });

  it('accepts the inferred inputs', async () => {
    await buildLayerExecutor(
      {},
      context(['{projectRoot}/**/*', { env: 'SOURCE_DATE_EPOCH' }]),
      isolatedPip,
    );

    expect(warnings).toEqual([]);
  });
});

describe('build-layer executor', () => {
  it('builds from layer.json', async () => {
    const result = await buildLayerExecutor({}, context(), isolatedPip);

    expect(errors).toEqual([]);
    expect(result).toEqual({ success: true });
    expect(
      existsSync(join(workspaceRoot, 'dist', PROJECT_ROOT, 'layer.zip')),
    ).toBe(true);
    expect(readManifest(join('dist', PROJECT_ROOT)).packages).toEqual([
      { name: 'sosw', version: '2.7.1' },
    ]);
  });

  it('applies requirements and outputPath options', async () => {
    await buildWheel(
      { name: 'bson', version: '0.5.10', files: { 'bson/__init__.py': '' } },
      join(workspaceRoot, 'wheels'),
    );
    writeFileSync(join(workspaceRoot, PROJECT_ROOT, 'other.txt'), 'bson\n');

    const result = await buildLayerExecutor(
      { requirements: 'other.txt', outputPath: 'build/layer' },
      context(),
      isolatedPip,
    );

    expect(result).toEqual({ success: true });
    expect(readManifest('build/layer').packages).toEqual([
      { name: 'bson', version: '0.5.10' },
    ]);
  });

  it('fails on a missing requirements file', async () => {
    const result = await buildLayerExecutor(
      { requirements: 'absent.txt' },
      context(),
      isolatedPip,
    );

    expect(result).toEqual({ success: false });
    expect(errors).toEqual([
      `build-layer failed for demo-layer: requirements file ${PROJECT_ROOT}/absent.txt ` +
        'not found; set the `requirements` option or "requirements" in ' +
        `${PROJECT_ROOT}/layer.json, create the file, or list the ` +
        'requirements in the `packages` option',
    ]);
  });

  it('fails without layer.json', async () => {
    rmSync(join(workspaceRoot, PROJECT_ROOT, 'layer.json'));

    const result = await buildLayerExecutor({}, context(), isolatedPip);

    expect(result).toEqual({ success: false });
    expect(errors[0]).toContain(
      `layer configuration ${PROJECT_ROOT}/layer.json not found`,
    );
  });

  it('runs pip with the python option', async () => {
    const python = join(workspaceRoot, 'no-such-python');

    const result = await buildLayerExecutor({ python }, context());

    expect(result).toEqual({ success: false });
    expect(errors[0]).toContain(`cannot run ${python}: not found`);
  });

  it('installs inline packages for a runtime', async () => {
    rmSync(join(workspaceRoot, PROJECT_ROOT, 'requirements.txt'));
    const layerFile = join(workspaceRoot, PROJECT_ROOT, 'layer.json');
    const layer = JSON.parse(readFileSync(layerFile, 'utf8'));
    // A site-packages layout is read only by the runtime it names.
    writeFileSync(
      layerFile,
      JSON.stringify({ ...layer, runtimes: ['python3.12'] }),
    );

    const result = await buildLayerExecutor(
      {
        packages: ['sosw==2.7.1'],
        runtime: 'python3.12',
        architecture: 'arm64',
        layout: 'site-packages',
      },
      context(),
      isolatedPip,
    );

    expect(result).toEqual({ success: true });
    const manifest = readManifest(join('dist', PROJECT_ROOT));
    expect(manifest.layout).toBe('python/lib/python3.12/site-packages/');
    expect(manifest.target?.architecture).toBe('arm64');
  });
});

describe('build-layer executor ref', () => {
  it('passes the ref option to the build', async () => {
    const result = await buildLayerExecutor(
      { ref: 'main' },
      context(),
      isolatedPip,
    );

    expect(result).toEqual({ success: false });
    expect(errors[0]).toContain(
      'the ref option needs exactly one requirement from git',
    );
  });
});

describe('applyOptions', () => {
  const config = normalizeLayerConfig(
    {
      layerName: 'demo',
      ssmParameter: '/p',
      runtime: 'python3.11',
      exclude: ['docs'],
      pip: { noIndex: true, indexUrl: 'https://a/simple' },
    },
    'layer.json',
  );

  it('overrides layer.json fields with options', () => {
    const applied = applyOptions(config, {
      runtime: 'python3.13',
      indexUrl: 'https://b/simple',
      constraints: 'c.txt',
      keepDistInfo: false,
    });

    expect(applied.runtime).toBe('python3.13');
    expect(applied.pip).toEqual({
      noIndex: true,
      indexUrl: 'https://b/simple',
      extraIndexUrls: undefined,
      findLinks: undefined,
      constraints: 'c.txt',
    });
    expect(applied.keepDistInfo).toBe(false);
  });

  it('overrides noIndex with the option', () => {
    const applied = applyOptions(config, { noIndex: false });

    expect(applied.pip?.noIndex).toBe(false);
  });

  it('keeps layer.json fields without options', () => {
    const applied = applyOptions(config, {});

    expect(applied.runtime).toBe('python3.11');
    expect(applied.exclude).toEqual(['docs']);
  });
});

describe('build-layer schema', () => {
  it('describes every option and rejects others', () => {
    expect(schema.additionalProperties).toBe(false);
    for (const [name, property] of Object.entries(schema.properties)) {
      expect([name, property.description.length > 20]).toEqual([name, true]);
    }
    expect(schema.properties.runtime.enum).toContain('python3.13');
    expect(schema.properties.architecture.enum).toEqual(['x86_64', 'arm64']);
    expect(schema.properties.layout.enum).toEqual(['python', 'site-packages']);
  });
});
