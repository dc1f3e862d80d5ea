import {
  readJson,
  readNxJson,
  readProjectConfiguration,
  type Tree,
} from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parseLayerConfig } from '../../lib/layer-config';
import { parseTemplate } from '../../lib/template';
import { layerGenerator } from './generator';

describe('layer generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('writes layer.json with every field', async () => {
    await layerGenerator(tree, {
      name: 'sosw-layer',
      license: 'MIT',
      runtimes: ['python3.12'],
      architectures: ['arm64'],
    });

    expect(readJson(tree, 'apps/sosw-layer/layer.json')).toEqual({
      layerName: 'sosw',
      ssmParameter: '/lambda-layers/sosw/arn',
      placeholder: 'SOSW_LAYER_PLACEHOLDER',
      exportName: 'sosw-layer-arn',
      requirements: 'requirements.txt',
      runtimes: ['python3.12'],
      architectures: ['arm64'],
      license: 'MIT',
    });
    const text = tree.read('apps/sosw-layer/layer.json', 'utf-8')!;
    expect(() => parseLayerConfig(text, 'layer.json')).not.toThrow();
  });

  it('writes the requested requirements', async () => {
    await layerGenerator(tree, {
      name: 'tools',
      packages: ['sosw', 'requests==2.32.3'],
    });

    const lines = tree
      .read('apps/tools/requirements.txt', 'utf-8')!
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(lines).toEqual(['sosw', 'requests==2.32.3']);
  });

  it('writes a minimal project.json', async () => {
    await layerGenerator(tree, { name: 'tools', tags: 'layer, python' });

    const project = readProjectConfiguration(tree, 'tools');
    expect(project.root).toBe('apps/tools');
    expect(project.tags).toEqual(['layer', 'python']);
    expect(project.targets ?? {}).toEqual({});
  });

  it('registers the plugin when missing', async () => {
    await layerGenerator(tree, { name: 'tools' });

    const plugins = readNxJson(tree)?.plugins ?? [];
    expect(plugins).toContainEqual(
      expect.objectContaining({ plugin: 'nx-lambda-layers' }),
    );
  });

  it.each(['cloudformation', 'sam'] as const)(
    'writes a %s layer template',
    async (template) => {
      await layerGenerator(tree, {
        name: 'sosw-layer',
        template,
        license: 'MIT',
        runtimes: ['python3.11', 'python3.12'],
      });

      const text = tree.read('apps/sosw-layer/template.yaml', 'utf-8')!;
      const { value } = parseTemplate(text, 'template.yaml') as {
        value: {
          Resources: Record<
            string,
            { Type: string; Properties: Record<string, unknown> }
          >;
          Outputs: Record<string, { Export: { Name: string } }>;
        };
      };
      const layer = value.Resources.Layer;
      expect(layer.Type).toBe(
        template === 'sam'
          ? 'AWS::Serverless::LayerVersion'
          : 'AWS::Lambda::LayerVersion',
      );
      expect(layer.Properties.LayerName).toBe('sosw');
      expect(layer.Properties.CompatibleRuntimes).toEqual([
        'python3.11',
        'python3.12',
      ]);
      expect(layer.Properties.LicenseInfo).toBe('MIT');
      const content = layer.Properties.Content ?? layer.Properties.ContentUri;
      expect(content).toBe('../../dist/apps/sosw-layer/layer.zip');
      expect(value.Outputs.LayerVersionArn.Export.Name).toBe('sosw-layer-arn');
    },
  );

  it('writes no template by default', async () => {
    await layerGenerator(tree, { name: 'tools' });

    expect(tree.exists('apps/tools/template.yaml')).toBe(false);
  });

  it('rejects a used layer name', async () => {
    await layerGenerator(tree, { name: 'sosw-layer' });

    await expect(
      layerGenerator(tree, { name: 'other', layerName: 'sosw' }),
    ).rejects.toThrow(
      'layer name sosw is already used by project sosw-layer (apps/sosw-layer); set --layerName',
    );
    expect(tree.exists('apps/other')).toBe(false);
  });

  it('rejects an existing project name', async () => {
    await layerGenerator(tree, { name: 'tools' });
    const before = tree.listChanges().map((change) => change.path);

    await expect(
      layerGenerator(tree, { name: 'tools', directory: 'libs/tools' }),
    ).rejects.toThrow('project tools already exists at apps/tools');
    expect(tree.listChanges().map((change) => change.path)).toEqual(before);
  });

  it('rejects a runtime other than Python', async () => {
    await expect(
      layerGenerator(tree, { name: 'tools', runtimes: ['nodejs20.x'] }),
    ).rejects.toThrow('invalid runtimes nodejs20.x');
  });

  it('rejects an SSM name that publish would reject', async () => {
    await expect(
      layerGenerator(tree, { name: 'tools', ssmParameter: 'layers/tools arn' }),
    ).rejects.toThrow('invalid SSM parameter name "layers/tools arn"');
    expect(tree.exists('apps/tools')).toBe(false);
  });

  it('rejects an invalid layer name', async () => {
    await expect(
      layerGenerator(tree, { name: 'tools', layerName: 'a b' }),
    ).rejects.toThrow('invalid layerName "a b"');
  });
});
