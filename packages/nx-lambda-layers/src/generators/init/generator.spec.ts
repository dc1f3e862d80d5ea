import {
  addProjectConfiguration,
  getProjects,
  readJson,
  readNxJson,
  updateNxJson,
  type ProjectGraph,
  type Tree,
} from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator, PLUGIN_NAME, readPluginVersion } from './generator';

/**
 * Builds the project graph from the project.json files of the tree. The
 * virtual tree has no workspace on disk for createProjectGraphAsync to read.
 */
function graphOf(tree: Tree): () => Promise<ProjectGraph> {
  return async () => {
    const nodes: ProjectGraph['nodes'] = {};
    for (const [name, project] of getProjects(tree)) {
      nodes[name] = {
        name,
        type: 'lib',
        data: { ...project, targets: project.targets ?? {} },
      };
    }
    return { nodes, dependencies: {} };
  };
}

describe('init generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin with default target names', async () => {
    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    expect(readNxJson(tree)?.plugins).toEqual([
      {
        plugin: PLUGIN_NAME,
        options: {
          buildTargetName: 'build',
          publishTargetName: 'publish',
          syncVersionsTargetName: 'sync-versions',
          deployTargetName: 'deploy',
          hotswapTargetName: 'hotswap',
        },
      },
    ]);
  });

  it('adds the plugin to devDependencies', async () => {
    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    const packageJson = readJson(tree, 'package.json');
    expect(packageJson.devDependencies[PLUGIN_NAME]).toBe(readPluginVersion());
  });

  it('keeps a version package.json already names', async () => {
    const spec = 'file:../nx-lambda-layers-0.0.1.tgz';
    const packageJson = readJson(tree, 'package.json');
    packageJson.dependencies = { [PLUGIN_NAME]: spec };
    tree.write('package.json', JSON.stringify(packageJson));

    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    const updated = readJson(tree, 'package.json');
    expect(updated.dependencies[PLUGIN_NAME]).toBe(spec);
    expect(updated.devDependencies?.[PLUGIN_NAME]).toBeUndefined();
  });

  it('leaves package.json with skipPackageJson', async () => {
    const before = tree.read('package.json', 'utf-8');

    await initGenerator(
      tree,
      { skipFormat: true, skipPackageJson: true },
      graphOf(tree),
    );

    expect(tree.read('package.json', 'utf-8')).toBe(before);
  });

  it('picks target names that do not clash', async () => {
    const layerJson = JSON.stringify({
      layerName: 'old',
      ssmParameter: '/lambda-layers/old/arn',
    });
    tree.write('apps/old-layer/layer.json', layerJson);
    addProjectConfiguration(tree, 'old-layer', {
      root: 'apps/old-layer',
      targets: {
        build: { command: 'make' },
        publish: { command: 'make publish' },
      },
    });

    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    const [entry] = readNxJson(tree)?.plugins ?? [];
    expect(entry).toEqual({
      plugin: PLUGIN_NAME,
      options: {
        buildTargetName: 'build-layer',
        publishTargetName: 'publish-layer',
        syncVersionsTargetName: 'sync-versions',
        deployTargetName: 'deploy',
        hotswapTargetName: 'hotswap',
      },
    });
  });

  it('avoids a deploy target a stack has', async () => {
    tree.write(
      'apps/orders/template.yaml',
      'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n',
    );
    addProjectConfiguration(tree, 'orders', {
      root: 'apps/orders',
      targets: { deploy: { command: 'sam deploy' } },
    });

    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    const [entry] = readNxJson(tree)?.plugins ?? [];
    expect(entry).toEqual(
      expect.objectContaining({
        options: expect.objectContaining({
          buildTargetName: 'build',
          deployTargetName: 'deploy-stack',
        }),
      }),
    );
  });

  it('ignores YAML files that are no templates', async () => {
    tree.write('apps/web/template.yaml', 'title: docs\n');
    addProjectConfiguration(tree, 'web', {
      root: 'apps/web',
      targets: { deploy: { command: 'rsync' } },
    });

    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    const [entry] = readNxJson(tree)?.plugins ?? [];
    expect(entry).toEqual(
      expect.objectContaining({
        options: expect.objectContaining({ deployTargetName: 'deploy' }),
      }),
    );
  });

  it('changes nothing when run twice', async () => {
    await initGenerator(tree, { skipFormat: true }, graphOf(tree));
    const nxJson = tree.read('nx.json', 'utf-8');
    const packageJson = tree.read('package.json', 'utf-8');
    const readGraph = jest.fn(graphOf(tree));

    await initGenerator(tree, { skipFormat: true }, readGraph);

    expect(tree.read('nx.json', 'utf-8')).toBe(nxJson);
    expect(tree.read('package.json', 'utf-8')).toBe(packageJson);
    expect(readGraph).not.toHaveBeenCalled();
  });

  it('accepts the plugin listed as a string', async () => {
    const nxJson = readNxJson(tree)!;
    updateNxJson(tree, { ...nxJson, plugins: [PLUGIN_NAME] });

    await initGenerator(tree, { skipFormat: true }, graphOf(tree));

    expect(readNxJson(tree)?.plugins).toEqual([PLUGIN_NAME]);
  });
});
