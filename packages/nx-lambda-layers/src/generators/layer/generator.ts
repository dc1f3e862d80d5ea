import {
  addProjectConfiguration,
  formatFiles,
  generateFiles,
  joinPathFragments,
  offsetFromRoot,
  writeJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { join } from 'node:path';
import {
  DEFAULT_RUNTIMES,
  LAYER_CONFIG_FILE,
  normalizeLayerConfig,
  type LayerConfig,
} from '../../lib/layer-config';
import { LAYER_ZIP_FILE, layerOutputDir } from '../../lib/manifest';
import { checkSsmParameterName } from '../../lib/publish/settings';
import { initGenerator, isPluginRegistered } from '../init/generator';
import {
  assertNewProject,
  readLayerProjects,
} from '../shared/workspace-projects';
import type { LayerGeneratorSchema } from './schema';

export interface NormalizedLayerSchema {
  name: string;
  directory: string;
  config: LayerConfig;
  packages: string[];
  template: 'none' | 'cloudformation' | 'sam';
  tags: string[];
  skipFormat: boolean;
}

export async function layerGenerator(
  tree: Tree,
  schema: LayerGeneratorSchema,
): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const initTask = isPluginRegistered(tree)
    ? () => undefined
    : await initGenerator(tree, { skipFormat: true });

  addFiles(tree, options);
  addProjectJson(tree, options);
  writeJson(
    tree,
    join(options.directory, LAYER_CONFIG_FILE),
    layerJsonOf(options),
  );

  if (!options.skipFormat) {
    await formatFiles(tree);
  }
  return initTask;
}

/**
 * Fills in the defaults and checks the options against the tree: a new
 * project name and folder, a layer name and SSM parameter no other layer
 * project uses, and Python runtimes only.
 */
export function normalizeOptions(
  tree: Tree,
  schema: LayerGeneratorSchema,
): NormalizedLayerSchema {
  const directory = schema.directory ?? joinPathFragments('apps', schema.name);
  assertNewProject(tree, schema.name, directory);

  const layerName = schema.layerName ?? schema.name.replace(/-layer$/, '');
  const config = normalizeLayerConfig(
    {
      layerName,
      ssmParameter: schema.ssmParameter ?? `/lambda-layers/${layerName}/arn`,
      placeholder: schema.placeholder,
      exportName: schema.exportName,
      runtimes: schema.runtimes?.length ? schema.runtimes : DEFAULT_RUNTIMES,
      architectures: schema.architectures?.length
        ? schema.architectures
        : ['x86_64'],
      license: schema.license,
      description: schema.description,
    },
    'the layer options',
  );
  assertRuntimes(config.runtimes);
  checkSsmParameterName(config.ssmParameter);
  assertUnusedIdentity(tree, config);

  return {
    name: schema.name,
    directory,
    config,
    packages: schema.packages ?? [],
    template: schema.template ?? 'none',
    tags: splitTags(schema.tags ?? 'layer'),
    skipFormat: schema.skipFormat ?? false,
  };
}

function assertRuntimes(runtimes: string[]): void {
  const invalid = runtimes.filter((runtime) => !/^python3\.\d+$/.test(runtime));
  if (invalid.length > 0) {
    throw new Error(
      `invalid runtimes ${invalid.join(', ')}; this plugin builds layers ` +
        'for Python, so give runtimes such as python3.12',
    );
  }
}

/** Throws when another layer project has the same layer name or SSM parameter. */
function assertUnusedIdentity(tree: Tree, config: LayerConfig): void {
  for (const layer of readLayerProjects(tree)) {
    if (layer.config.layerName === config.layerName) {
      throw new Error(
        `layer name ${config.layerName} is already used by project ` +
          `${layer.projectName} (${layer.root}); set --layerName`,
      );
    }
    if (layer.config.ssmParameter === config.ssmParameter) {
      throw new Error(
        `SSM parameter ${config.ssmParameter} is already used by project ` +
          `${layer.projectName} (${layer.root}); set --ssmParameter`,
      );
    }
  }
}

export function splitTags(tags: string): string[] {
  return tags
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

function addFiles(tree: Tree, options: NormalizedLayerSchema): void {
  const { config } = options;
  const substitutions = {
    ...config,
    license: config.license ?? '',
    description: config.description ?? '',
    packages: options.packages,
    layerZip: joinPathFragments(
      offsetFromRoot(options.directory),
      layerOutputDir(options.directory),
      LAYER_ZIP_FILE,
    ),
    tmpl: '',
  };
  const folders = ['common'];
  if (options.template !== 'none') {
    folders.push(options.template);
  }
  for (const folder of folders) {
    generateFiles(
      tree,
      join(__dirname, 'files', folder),
      options.directory,
      substitutions,
    );
  }
}

function addProjectJson(tree: Tree, options: NormalizedLayerSchema): void {
  // The graph plugin infers the build and publish targets from layer.json.
  addProjectConfiguration(tree, options.name, {
    root: options.directory,
    projectType: 'library',
    tags: options.tags,
    targets: {},
  });
}

/** Builds the layer.json contents, with every field written out for users to see. */
function layerJsonOf(options: NormalizedLayerSchema): Record<string, unknown> {
  const { config } = options;
  return {
    layerName: config.layerName,
    ssmParameter: config.ssmParameter,
    placeholder: config.placeholder,
    exportName: config.exportName,
    requirements: config.requirements,
    runtimes: config.runtimes,
    architectures: config.architectures,
    ...(config.license ? { license: config.license } : {}),
    ...(config.description ? { description: config.description } : {}),
  };
}

export default layerGenerator;
