import { type TargetConfiguration } from '@nx/devkit';
import { posix } from 'node:path';
import { LAYER_CONFIG_FILE } from '../lib/layer-config';
import type { SamDeployConfig } from '../lib/samconfig';
import type { NormalizedPluginOptions } from './options';

/** Project facts that inference reads from a project's files. */
export type InferredProject = InferredLayer | InferredStack;

export interface InferredLayer {
  kind: 'layer';
  /** Layer name from `layer.json`, undefined when the file is invalid. */
  layerName?: string;
  /** Workspace-relative `--find-links` folders that feed the build. */
  findLinks: string[];
  /** Workspace-relative files outside the project that the requirements include. */
  includedFiles?: string[];
}

export interface InferredStack {
  kind: 'stack';
  /** Template file name, relative to the project root. */
  templateFile: string;
  /** Deploy settings of the plugin's `configEnv` in `samconfig.toml`. */
  samConfig?: SamDeployConfig;
  /**
   * Deploy settings of the other environments of `samconfig.toml`, by
   * environment name. Each becomes a target configuration (`-c <env>`).
   */
  otherEnvironments?: Record<string, SamDeployConfig>;
  /** True when a function or `Globals.Function` of the template has `Layers`. */
  usesLayers?: boolean;
}

type Targets = Record<string, TargetConfiguration>;

const OUTPUT_DIR = '{workspaceRoot}/dist/{projectRoot}';

/**
 * Builds the inferred targets of a project. A target name option set to
 * `false` leaves that target out.
 */
export function buildTargets(
  project: InferredProject,
  projectRoot: string,
  options: NormalizedPluginOptions,
): Targets {
  return project.kind === 'layer'
    ? buildLayerTargets(project, options)
    : buildStackTargets(project, projectRoot, options);
}

function buildLayerTargets(
  project: InferredLayer,
  options: NormalizedPluginOptions,
): Targets {
  const { buildTargetName, publishTargetName, syncVersionsTargetName } =
    options;
  const layer = project.layerName ? `layer ${project.layerName}` : 'the layer';
  const targets: Targets = {};

  if (buildTargetName) {
    targets[buildTargetName] = {
      executor: 'nx-lambda-layers:build-layer',
      // Workspace Python projects the layer installs build their wheels first.
      dependsOn: ['^build'],
      cache: true,
      inputs: [
        '{projectRoot}/**/*',
        ...project.findLinks.map(
          (folder) => `{workspaceRoot}/${posix.normalize(folder)}/**/*`,
        ),
        ...(project.includedFiles ?? []).map(
          (path) => `{workspaceRoot}/${path}`,
        ),
        { env: 'SOURCE_DATE_EPOCH' },
        { externalDependencies: [] },
      ],
      outputs: [OUTPUT_DIR],
      metadata: {
        description:
          `Install the requirements of ${layer} with pip ` +
          'and write its zip and manifest',
      },
    };
  }
  if (publishTargetName) {
    targets[publishTargetName] = {
      executor: 'nx-lambda-layers:publish-layer',
      dependsOn: buildTargetName ? [buildTargetName] : [],
      // Publishing talks to AWS, so a cached result would skip a needed call.
      cache: false,
      inputs: [
        `{projectRoot}/${LAYER_CONFIG_FILE}`,
        { dependentTasksOutputFiles: '**/*', transitive: false },
        { env: 'AWS_PROFILE' },
        { env: 'AWS_REGION' },
      ],
      outputs: [`${OUTPUT_DIR}/publish-result.json`],
      metadata: {
        description:
          `Publish a new version of ${layer} to Lambda ` +
          'and record its ARN in SSM',
      },
    };
  }
  if (syncVersionsTargetName) {
    targets[syncVersionsTargetName] = syncVersionsTarget(layer);
  }
  return targets;
}

function syncVersionsTarget(layer: string): TargetConfiguration {
  return {
    executor: 'nx-lambda-layers:sync-versions',
    // It reads AWS and rewrites files of other projects, so it always runs.
    cache: false,
    // The runs of two layers can rewrite the same template. Each run reads
    // all files before it writes any, so in parallel one run would
    // overwrite the other's changes.
    parallelism: false,
    inputs: [`{projectRoot}/${LAYER_CONFIG_FILE}`],
    outputs: [],
    metadata: {
      description:
        `Write the current version of ${layer} into the layer ARNs of ` +
        'the templates of the projects that use it',
    },
  };
}

function buildStackTargets(
  project: InferredStack,
  projectRoot: string,
  options: NormalizedPluginOptions,
): Targets {
  const { deployTargetName, hotswapTargetName } = options;
  const targets: Targets = {};
  if (deployTargetName) {
    targets[deployTargetName] = deployTarget(project, projectRoot, options);
  }
  if (hotswapTargetName && project.usesLayers) {
    targets[hotswapTargetName] = hotswapTarget(project, projectRoot, options);
  }
  return targets;
}

function deployTarget(
  project: InferredStack,
  projectRoot: string,
  options: NormalizedPluginOptions,
): TargetConfiguration {
  const template = `{projectRoot}/${project.templateFile}`;
  const configurations = Object.fromEntries(
    Object.entries(project.otherEnvironments ?? {}).map(([env, config]) => [
      env,
      { template, ...deployOptionsOf(config, env) },
    ]),
  );
  return {
    executor: 'nx-lambda-layers:deploy',
    options: {
      template,
      // Nx replaces {projectName} with the project's final name.
      stackName: '{projectName}',
      ...deployOptionsOf(project.samConfig, options.configEnv),
    },
    ...(Object.keys(configurations).length ? { configurations } : {}),
    dependsOn: dependsOnPublish(options),
    // A deploy changes AWS resources, so it always runs.
    cache: false,
    inputs: stackInputs(),
    outputs: [`${OUTPUT_DIR}/deploy-result.json`],
    metadata: {
      description:
        `Deploy the CloudFormation stack of ${projectRoot}/` +
        `${project.templateFile} after the layers it uses are published`,
    },
  };
}

function hotswapTarget(
  project: InferredStack,
  projectRoot: string,
  options: NormalizedPluginOptions,
): TargetConfiguration {
  const config = project.samConfig;
  return {
    executor: 'nx-lambda-layers:hotswap',
    options: {
      stackName: config?.stackName ?? '{projectName}',
      ...(config?.region ? { region: config.region } : {}),
      ...(config?.profile ? { profile: config.profile } : {}),
    },
    dependsOn: dependsOnPublish(options),
    cache: false,
    inputs: stackInputs(),
    outputs: [],
    metadata: {
      description:
        `Swap the newest versions of its layers into the functions of the ` +
        `stack of ${projectRoot} without a CloudFormation deploy; the stack ` +
        'then drifts from its template until the next deploy',
    },
  };
}

function dependsOnPublish(options: NormalizedPluginOptions): string[] {
  return options.publishTargetName ? [`^${options.publishTargetName}`] : [];
}

function stackInputs(): TargetConfiguration['inputs'] {
  return ['{projectRoot}/**/*', { env: 'AWS_PROFILE' }, { env: 'AWS_REGION' }];
}

/**
 * Turns samconfig.toml settings into deploy executor options, so
 * `nx show project` lists what a deploy will use. `configEnv` is set only
 * when it is not `default`, the executor's own default.
 */
function deployOptionsOf(
  config: SamDeployConfig | undefined,
  configEnv: string,
): Record<string, unknown> {
  const options: Record<string, unknown> = {
    stackName: config?.stackName,
    region: config?.region,
    profile: config?.profile,
    capabilities: config?.capabilities,
    parameterOverrides: Object.keys(config?.parameterOverrides ?? {}).length
      ? config?.parameterOverrides
      : undefined,
    s3Bucket: config?.s3Bucket,
    s3Prefix: config?.s3Prefix,
    resolveS3: config?.resolveS3,
    configEnv: configEnv === 'default' ? undefined : configEnv,
  };
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  );
}
