import {
  addDependenciesToPackageJson,
  createProjectGraphAsync,
  formatFiles,
  getProjects,
  readNxJson,
  type GeneratorCallback,
  type ProjectGraph,
  type Tree,
} from '@nx/devkit';
import { addPlugin } from '@nx/devkit/internal';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodesV2 } from '../../graph/create-nodes';
import type { LambdaLayersPluginOptions } from '../../graph/options';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = 'nx-lambda-layers';

/**
 * Target names tried in order for each inferred target: the first
 * combination that clashes with no existing target of the same project
 * is written to nx.json.
 */
export const TARGET_NAME_CHOICES: Required<
  Pick<
    Record<keyof LambdaLayersPluginOptions, string[]>,
    'buildTargetName' | 'publishTargetName' | 'deployTargetName'
  >
> = {
  buildTargetName: ['build', 'build-layer', 'layer-build'],
  publishTargetName: ['publish', 'publish-layer', 'layer-publish'],
  deployTargetName: ['deploy', 'deploy-stack', 'stack-deploy'],
};

/** Source of the project graph; tests of a virtual tree pass their own. */
export type ProjectGraphReader = () => Promise<ProjectGraph>;

export async function initGenerator(
  tree: Tree,
  options: InitGeneratorSchema,
  readProjectGraph: ProjectGraphReader = createProjectGraphAsync,
): Promise<GeneratorCallback> {
  await registerPlugin(tree, readProjectGraph);

  const installTask = options.skipPackageJson
    ? () => undefined
    : addPluginToPackageJson(tree, options.keepExistingVersions ?? true);

  if (!options.skipFormat) {
    await formatFiles(tree);
  }
  return installTask;
}

/** Returns true when nx.json already lists the plugin for all files. */
export function isPluginRegistered(tree: Tree): boolean {
  const plugins = readNxJson(tree)?.plugins ?? [];
  return plugins.some((entry) =>
    typeof entry === 'string'
      ? entry === PLUGIN_NAME
      : entry.plugin === PLUGIN_NAME && !entry.include,
  );
}

async function registerPlugin(
  tree: Tree,
  readProjectGraph: ProjectGraphReader,
): Promise<void> {
  // Checked here as well as in addPlugin, so a second run builds no graph.
  if (isPluginRegistered(tree)) {
    return;
  }
  await addPlugin<LambdaLayersPluginOptions>(
    tree,
    await readProjectGraph(),
    PLUGIN_NAME,
    createNodesV2,
    TARGET_NAME_CHOICES,
    false,
  );
}

function addPluginToPackageJson(
  tree: Tree,
  keepExistingVersions: boolean,
): GeneratorCallback {
  // A workspace that develops the plugin as one of its projects links it.
  if (!tree.exists('package.json') || getProjects(tree).has(PLUGIN_NAME)) {
    return () => undefined;
  }
  return addDependenciesToPackageJson(
    tree,
    {},
    { [PLUGIN_NAME]: readPluginVersion() },
    undefined,
    keepExistingVersions,
  );
}

/** Version of this plugin, from its package.json (source or built). */
export function readPluginVersion(): string {
  const packageJsonPath = join(__dirname, '..', '..', '..', 'package.json');
  const packageJson = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    version: string;
  };
  return packageJson.version;
}

export default initGenerator;
