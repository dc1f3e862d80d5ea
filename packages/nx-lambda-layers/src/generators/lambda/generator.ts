import {
  addProjectConfiguration,
  formatFiles,
  generateFiles,
  joinPathFragments,
  names,
  offsetFromRoot,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { join } from 'node:path';
import { LAYER_ZIP_FILE, layerOutputDir } from '../../lib/manifest';
import { initGenerator, isPluginRegistered } from '../init/generator';
import { splitTags } from '../layer/generator';
import {
  assertNewProject,
  readLayerProjects,
  type LayerProjectInTree,
} from '../shared/workspace-projects';
import type { LambdaGeneratorSchema } from './schema';

export interface NormalizedLambdaSchema {
  name: string;
  directory: string;
  layer: LayerProjectInTree;
  runtime: string;
  architecture: string;
  memory: number;
  timeout: number;
  referenceStyle: 'ssm' | 'placeholder';
  templateType: 'sam' | 'cloudformation';
  tags: string[];
  python: string;
  skipFormat: boolean;
}

export async function lambdaGenerator(
  tree: Tree,
  schema: LambdaGeneratorSchema,
): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const initTask = isPluginRegistered(tree)
    ? () => undefined
    : await initGenerator(tree, { skipFormat: true });

  addFiles(tree, options);
  addProjectJson(tree, options);

  if (!options.skipFormat) {
    await formatFiles(tree);
  }
  return initTask;
}

/**
 * Fills in the defaults and checks the options: a new project name and
 * folder, an existing layer project, and a runtime and architecture that
 * the layer lists.
 */
export function normalizeOptions(
  tree: Tree,
  schema: LambdaGeneratorSchema,
): NormalizedLambdaSchema {
  const directory = schema.directory ?? joinPathFragments('apps', schema.name);
  assertNewProject(tree, schema.name, directory);
  const layer = findLayer(tree, schema.layer);
  const { runtimes, architectures } = layer.config;

  const runtime = schema.runtime ?? newestRuntime(runtimes);
  assertListed('runtime', runtime, runtimes, layer);
  const architecture = schema.architecture ?? architectures[0];
  assertListed('architecture', architecture, architectures, layer);
  assertInRange('memory', schema.memory ?? 256, 128, 10240, 'MB');
  assertInRange('timeout', schema.timeout ?? 10, 1, 900, 'seconds');

  return {
    name: schema.name,
    directory,
    layer,
    runtime,
    architecture,
    memory: schema.memory ?? 256,
    timeout: schema.timeout ?? 10,
    referenceStyle: schema.referenceStyle ?? 'ssm',
    templateType: schema.templateType ?? 'sam',
    tags: splitTags(schema.tags ?? 'lambda'),
    python: schema.python ?? 'python',
    skipFormat: schema.skipFormat ?? false,
  };
}

function findLayer(tree: Tree, projectName: string): LayerProjectInTree {
  const layers = readLayerProjects(tree);
  const layer = layers.find(
    (candidate) => candidate.projectName === projectName,
  );
  if (!layer) {
    const existing = layers.map((candidate) => candidate.projectName);
    throw new Error(
      `layer project ${JSON.stringify(projectName)} not found; ` +
        (existing.length > 0
          ? `layer projects in this workspace: ${existing.join(', ')}`
          : 'this workspace has no layer project; create one with ' +
            '`nx g nx-lambda-layers:layer`'),
    );
  }
  return layer;
}

/** The runtime with the highest Python minor version. */
function newestRuntime(runtimes: string[]): string {
  const minor = (runtime: string) => Number(runtime.split('.')[1] ?? 0);
  return [...runtimes].sort((a, b) => minor(b) - minor(a))[0];
}

function assertListed(
  option: 'runtime' | 'architecture',
  value: string,
  allowed: string[],
  layer: LayerProjectInTree,
): void {
  if (!allowed.includes(value)) {
    throw new Error(
      `${option} ${value} is not supported by layer project ` +
        `${layer.projectName}; choose one of ${allowed.join(', ')}, ` +
        `or add it to ${option}s in ${layer.root}/layer.json`,
    );
  }
}

function assertInRange(
  option: string,
  value: number,
  minimum: number,
  maximum: number,
  unit: string,
): void {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new Error(
      `invalid ${option} ${value}; give a whole number of ${unit} ` +
        `from ${minimum} to ${maximum}`,
    );
  }
}

/** Template parameter name of the layer ARN, such as `SoswLayerArn`. */
export function layerParameterName(layerName: string): string {
  return `${names(layerName).className.replace(/[^A-Za-z0-9]/g, '')}LayerArn`;
}

function layerReference(options: NormalizedLambdaSchema): string {
  const { config } = options.layer;
  if (options.referenceStyle === 'ssm') {
    return `!Ref ${layerParameterName(config.layerName)}`;
  }
  const arn =
    'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer:' +
    `${config.layerName}:${config.placeholder}`;
  return `!Sub "${arn}"`;
}

function addFiles(tree: Tree, options: NormalizedLambdaSchema): void {
  const { config, projectName, root } = options.layer;
  const substitutions = {
    ...options,
    layerProject: projectName,
    layerName: config.layerName,
    ssmParameter: config.ssmParameter,
    layerParameter: layerParameterName(config.layerName),
    layerReference: layerReference(options),
    layerZip: joinPathFragments(
      offsetFromRoot(options.directory),
      layerOutputDir(root),
      LAYER_ZIP_FILE,
    ),
    stackName: options.name,
    tmpl: '',
  };
  for (const folder of ['common', options.templateType]) {
    generateFiles(
      tree,
      join(__dirname, 'files', folder),
      options.directory,
      substitutions,
    );
  }
}

/**
 * Writes project.json with the test target. The graph plugin infers the
 * deploy target from template.yaml and the dependency on the layer project,
 * so `^build` builds the layer zip that tests/conftest.py extracts.
 */
function addProjectJson(tree: Tree, options: NormalizedLambdaSchema): void {
  addProjectConfiguration(tree, options.name, {
    root: options.directory,
    projectType: 'application',
    sourceRoot: joinPathFragments(options.directory, 'src'),
    tags: options.tags,
    targets: {
      test: {
        executor: 'nx:run-commands',
        dependsOn: ['^build'],
        inputs: ['default', '^default'],
        cache: true,
        options: {
          command: `${options.python} -m pytest`,
          cwd: '{projectRoot}',
        },
        metadata: {
          description: `Run the pytest tests on the packages of layer ${options.layer.config.layerName}`,
        },
      },
    },
  });
}

export default lambdaGenerator;
