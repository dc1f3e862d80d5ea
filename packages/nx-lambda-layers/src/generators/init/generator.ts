import {
  addDependenciesToPackageJson,
  createProjectGraphAsync,
  formatFiles,
  getProjects,
  readNxJson,
  updateNxJson,
  type GeneratorCallback,
  type ProjectGraph,
  type Tree,
} from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTargets } from '../../graph/targets';
import {
  normalizeOptions,
  type LambdaLayersPluginOptions,
} from '../../graph/options';
import {
  findInferredProjects,
  type InferredProjectAt,
} from '../shared/workspace-projects';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = 'nx-lambda-layers';

/**
 * Target names tried in order for each inferred target: the first
 * combination that clashes with no existing target of the same project
 * is written to nx.json.
 */
export const TARGET_NAME_CHOICES: Record<
  | 'buildTargetName'
  | 'publishTargetName'
  | 'syncVersionsTargetName'
  | 'deployTargetName'
  | 'hotswapTargetName',
  string[]
> = {
  buildTargetName: ['build', 'build-layer', 'layer-build'],
  publishTargetName: ['publish', 'publish-layer', 'layer-publish'],
  syncVersionsTargetName: ['sync-versions', 'sync-layer-versions'],
  deployTargetName: ['deploy', 'deploy-stack', 'stack-deploy'],
  hotswapTargetName: ['hotswap', 'hotswap-layers'],
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
  if (isPluginRegistered(tree)) {
    return;
  }
  const options = chooseTargetNames(
    findInferredProjects(tree),
    await readProjectGraph(),
  );
  const nxJson = readNxJson(tree) ?? {};
  nxJson.plugins = [
    ...(nxJson.plugins ?? []),
    { plugin: PLUGIN_NAME, options },
  ];
  updateNxJson(tree, nxJson);
}

/**
 * Returns the first combination of `TARGET_NAME_CHOICES` whose inferred
 * targets clash with no target that a project of the same root already has.
 *
 * NOTE: this does what `addPlugin` from `@nx/devkit/internal` does, but on
 * the files of the tree. `addPlugin` reads the disk, and in nx 23.2.1 its
 * call of `multiGlobWithWorkspaceContext` with an empty pattern list did
 * not return on a folder without `nx.json` (seen with the daemon off).
 */
export function chooseTargetNames(
  projects: InferredProjectAt[],
  graph: ProjectGraph,
): LambdaLayersPluginOptions {
  const existingTargets = new Map<string, Set<string>>();
  for (const node of Object.values(graph.nodes)) {
    existingTargets.set(
      node.data.root,
      new Set(Object.keys(node.data.targets ?? {})),
    );
  }
  const combinations = generateCombinations(TARGET_NAME_CHOICES);
  const options = combinations.find((candidate) =>
    projects.every(({ root, project }) => {
      const existing = existingTargets.get(root) ?? new Set<string>();
      const targets = buildTargets(project, root, normalizeOptions(candidate));
      return Object.keys(targets).every((name) => !existing.has(name));
    }),
  );
  if (!options) {
    throw new Error(
      'every choice of target names clashes with existing targets: ' +
        `tried ${JSON.stringify(TARGET_NAME_CHOICES)}; add the plugin to ` +
        'nx.json by hand with buildTargetName, publishTargetName and ' +
        'deployTargetName options of your choice',
    );
  }
  return options;
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

/** Cartesian product of the choices, the last key varying fastest. */
function generateCombinations(
  choices: Record<string, string[]>,
): Record<string, string>[] {
  let combinations: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(choices)) {
    combinations = combinations.flatMap((combination) =>
      values.map((value) => ({ ...combination, [key]: value })),
    );
  }
  return combinations;
}

export default initGenerator;
