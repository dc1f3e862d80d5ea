import {
  readNxJson,
  readProjectConfiguration,
  updateNxJson,
  type Tree,
} from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findLayerReferences } from '../../lib/layer-refs';
import { parseLayerConfig } from '../../lib/layer-config';
import { parseTemplate } from '../../lib/template';
import { zipDirectory } from '../../lib/zip';
import { layerGenerator } from '../layer/generator';
import { lambdaGenerator } from './generator';
import type { LambdaGeneratorSchema } from './schema';

interface FunctionResource {
  Type: string;
  Properties: Record<string, unknown>;
}

function readTemplate(tree: Tree, root = 'apps/my-func') {
  const path = `${root}/template.yaml`;
  const parsed = parseTemplate(tree.read(path, 'utf-8')!, path);
  const value = parsed.value as {
    Transform?: string;
    Parameters?: Record<string, { Type: string; Default: string }>;
    Resources: Record<string, FunctionResource>;
  };
  return { parsed, value };
}

describe('lambda generator', () => {
  let tree: Tree;

  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    await layerGenerator(tree, {
      name: 'sosw-layer',
      runtimes: ['python3.11', 'python3.12'],
      architectures: ['arm64', 'x86_64'],
      skipFormat: true,
    });
  });

  function generate(options: Partial<LambdaGeneratorSchema> = {}) {
    return lambdaGenerator(tree, {
      name: 'my-func',
      layer: 'sosw-layer',
      skipFormat: true,
      ...options,
    });
  }

  it('writes a SAM function on the SSM parameter', async () => {
    await generate({ memory: 512, timeout: 30 });

    const { value } = readTemplate(tree);
    expect(value.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(value.Parameters?.SoswLayerArn).toEqual(
      expect.objectContaining({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/lambda-layers/sosw/arn',
      }),
    );
    const fn = value.Resources.Function;
    expect(fn.Type).toBe('AWS::Serverless::Function');
    expect(fn.Properties).toEqual(
      expect.objectContaining({
        CodeUri: 'src/',
        Handler: 'app.handler',
        Runtime: 'python3.12',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 30,
        Layers: [{ Ref: 'SoswLayerArn' }],
      }),
    );
  });

  it('writes a reference the graph finds', async () => {
    await generate();

    const { parsed } = readTemplate(tree);
    const layerJson = tree.read('apps/sosw-layer/layer.json', 'utf-8')!;
    const layer = parseLayerConfig(layerJson, 'layer.json');
    const references = findLayerReferences(parsed, [layer]);
    expect(references.map((reference) => reference.layerName)).toEqual([
      'sosw',
    ]);
  });

  it('writes a placeholder ARN on request', async () => {
    await generate({ referenceStyle: 'placeholder' });

    const { value } = readTemplate(tree);
    expect(value.Parameters).toBeUndefined();
    expect(value.Resources.Function.Properties.Layers).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}' +
          ':layer:sosw:SOSW_LAYER_PLACEHOLDER',
      },
    ]);
  });

  it('writes a CloudFormation function with a role', async () => {
    await generate({ templateType: 'cloudformation', runtime: 'python3.11' });

    const { value } = readTemplate(tree);
    expect(value.Transform).toBeUndefined();
    expect(value.Resources.FunctionRole.Type).toBe('AWS::IAM::Role');
    const fn = value.Resources.Function;
    expect(fn.Type).toBe('AWS::Lambda::Function');
    expect(fn.Properties).toEqual(
      expect.objectContaining({
        Code: 'src',
        Runtime: 'python3.11',
        Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
        Layers: [{ Ref: 'SoswLayerArn' }],
      }),
    );
  });

  it('names the stack after the project', async () => {
    await generate();

    const samConfig = tree.read('apps/my-func/samconfig.toml', 'utf-8');
    expect(samConfig).toContain('stack_name = "my-func"');
  });

  it('adds a test target after the layer build', async () => {
    await generate({ tags: 'lambda,orders' });

    const project = readProjectConfiguration(tree, 'my-func');
    expect(project.tags).toEqual(['lambda', 'orders']);
    expect(project.targets?.test).toEqual(
      expect.objectContaining({
        executor: 'nx:run-commands',
        dependsOn: ['^build'],
        options: { command: 'python -m pytest', cwd: '{projectRoot}' },
      }),
    );
    expect(project.targets?.deploy).toBeUndefined();
  });

  it('writes the handler, requirements and tests', async () => {
    await generate();

    for (const file of [
      'src/app.py',
      'src/requirements.txt',
      'tests/test_app.py',
      'tests/conftest.py',
      'pytest.ini',
    ]) {
      expect(tree.exists(`apps/my-func/${file}`)).toBe(true);
    }
  });

  it('lists the layer projects when one is missing', async () => {
    await layerGenerator(tree, { name: 'extras', skipFormat: true });

    await expect(generate({ layer: 'nope' })).rejects.toThrow(
      'layer project "nope" not found; layer projects in this workspace: ' +
        'extras, sosw-layer',
    );
    expect(tree.exists('apps/my-func')).toBe(false);
  });

  it('rejects a runtime the layer lacks', async () => {
    await expect(generate({ runtime: 'python3.13' })).rejects.toThrow(
      'runtime python3.13 is not supported by layer project sosw-layer; ' +
        'choose one of python3.11, python3.12',
    );
  });

  it('rejects an architecture the layer lacks', async () => {
    await layerGenerator(tree, { name: 'x86-layer', skipFormat: true });

    await expect(
      generate({ layer: 'x86-layer', architecture: 'arm64' }),
    ).rejects.toThrow('architecture arm64 is not supported');
  });

  it('rejects a directory outside the workspace', async () => {
    await expect(generate({ directory: '../outside' })).rejects.toThrow(
      'invalid directory "../outside"; pass a folder inside the ' +
        'workspace, relative to its root, such as apps/my-func',
    );
    await expect(generate({ directory: '/abs' })).rejects.toThrow(
      'invalid directory "/abs"',
    );
  });

  it('rejects memory out of range', async () => {
    await expect(generate({ memory: 64 })).rejects.toThrow(
      'invalid memory 64; give a whole number of MB from 128 to 10240',
    );
  });

  it('fails twice without changing files', async () => {
    await generate();
    const before = tree
      .listChanges()
      .map((change) => [change.path, change.content?.toString()]);

    await expect(generate({ directory: 'apps/other' })).rejects.toThrow(
      'project my-func already exists at apps/my-func',
    );
    expect(
      tree
        .listChanges()
        .map((change) => [change.path, change.content?.toString()]),
    ).toEqual(before);
  });

  it('registers the plugin when missing', async () => {
    const nxJson = readNxJson(tree)!;
    updateNxJson(tree, { ...nxJson, plugins: [] });

    await generate();

    expect(readNxJson(tree)?.plugins).toContainEqual(
      expect.objectContaining({ plugin: 'nx-lambda-layers' }),
    );
  });
});

describe('generated pytest tests', () => {
  let workspace: string;

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'lambda-generator-'));
  });

  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  async function writeWorkspace(): Promise<void> {
    const tree = createTreeWithEmptyWorkspace();
    await layerGenerator(tree, { name: 'sosw-layer', skipFormat: true });
    await lambdaGenerator(tree, {
      name: 'my-func',
      layer: 'sosw-layer',
      skipFormat: true,
    });
    for (const change of tree.listChanges()) {
      if (change.type === 'DELETE' || !change.content) continue;
      mkdirSync(join(workspace, dirname(change.path)), { recursive: true });
      writeFileSync(join(workspace, change.path), change.content);
    }
  }

  function runPytest() {
    return spawnSync(
      'python3',
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'],
      {
        cwd: join(workspace, 'apps/my-func'),
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      },
    );
  }

  it('pass with the layer packages on the path', async () => {
    await writeWorkspace();
    const layerDir = join(workspace, 'layer-content');
    mkdirSync(join(layerDir, 'python'), { recursive: true });
    writeFileSync(join(layerDir, 'python/layer_module.py'), 'VALUE = 42\n');
    await zipDirectory(
      layerDir,
      join(workspace, 'dist/apps/sosw-layer/layer.zip'),
    );
    writeFileSync(
      join(workspace, 'apps/my-func/tests/test_layer.py'),
      'from layer_module import VALUE\n\n\ndef test_layer():\n    assert VALUE == 42\n',
    );

    const result = runPytest();

    expect(result.stdout).toContain('2 passed');
    expect(result.status).toBe(0);
  });

  it('pass with a site-packages layout', async () => {
    await writeWorkspace();
    const layerDir = join(workspace, 'layer-content');
    const python = spawnSync(
      'python3',
      ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      { encoding: 'utf8' },
    ).stdout.trim();
    const sitePackages = join(
      layerDir,
      `python/lib/python${python}/site-packages`,
    );
    mkdirSync(sitePackages, { recursive: true });
    writeFileSync(join(sitePackages, 'layer_module.py'), 'VALUE = 42\n');
    await zipDirectory(
      layerDir,
      join(workspace, 'dist/apps/sosw-layer/layer.zip'),
    );
    writeFileSync(
      join(workspace, 'apps/my-func/tests/test_layer.py'),
      'from layer_module import VALUE\n\n\ndef test_layer():\n    assert VALUE == 42\n',
    );

    const result = runPytest();

    expect(result.stdout).toContain('2 passed');
    expect(result.status).toBe(0);
  });

  it('fail naming the build without a layer zip', async () => {
    await writeWorkspace();

    const result = runPytest();

    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'run `nx build sosw-layer`',
    );
  });
});
