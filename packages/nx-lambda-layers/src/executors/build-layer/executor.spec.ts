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
import type { LayerManifest } from '../../lib/manifest';
import { createPipClient, type PipClient } from '../../lib/pip';
import { buildWheel } from '../../lib/python-wheel';
import buildLayerExecutor from './executor';

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
      pip: { noIndex: true, findLinks: ['wheels'] },
    }),
  );
  writeFileSync(join(projectDir, 'requirements.txt'), 'sosw==2.7.1\n');
  errors = [];
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  jest.spyOn(logger, 'error').mockImplementation((message: string) => {
    errors.push(message);
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(workspaceRoot, { recursive: true, force: true });
});

function context(): ExecutorContext {
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName: 'demo-layer',
    projectsConfigurations: {
      version: 2,
      projects: { 'demo-layer': { root: PROJECT_ROOT } },
    },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}

function readManifest(outputDir: string): LayerManifest {
  const path = join(workspaceRoot, outputDir, 'layer.manifest.json');
  return JSON.parse(readFileSync(path, 'utf8')) as LayerManifest;
}

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
});
