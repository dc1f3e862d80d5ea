import {
  createNodesFromFiles,
  hashArray,
  logger,
  type CreateNodesContext,
  type CreateNodesResult,
  type CreateNodesV2,
  type TargetConfiguration,
} from '@nx/devkit';
import { existsSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import {
  LAYER_CONFIG_FILE,
  LayerConfigError,
  parseLayerConfig,
} from '../lib/layer-config';
import { SAM_CONFIG_FILE } from '../lib/samconfig';
import { isCloudFormationTemplate } from '../lib/template';
import {
  normalizeOptions,
  type LambdaLayersPluginOptions,
  type NormalizedPluginOptions,
} from './options';
import {
  parseSamConfigOrReport,
  parseTemplateOrReport,
  readIfExists,
  reportOnce,
} from './project-files';

/** Project facts that inference reads from a project's files. */
export type InferredProject =
  | {
      kind: 'layer';
      /** Layer name from `layer.json`, undefined when the file is invalid. */
      layerName?: string;
      /** Workspace-relative `--find-links` folders that feed the build. */
      findLinks: string[];
    }
  | {
      kind: 'stack';
      /** Template file name, relative to the project root. */
      templateFile: string;
      /** Stack name from `samconfig.toml`. */
      stackName?: string;
      /** Region from `samconfig.toml`. */
      region?: string;
    };

/** Targets and name by cache key, the hash of the options and files read. */
const projectCache = new Map<string, CreateNodesResult['projects']>();

/**
 * Infers layer projects (folders with `layer.json`) and stack projects
 * (folders with a CloudFormation or SAM template and no `layer.json`). The
 * pattern matches every YAML and JSON file because the template file names
 * are an option; the function keeps only the names it uses.
 */
export const createNodesV2: CreateNodesV2<LambdaLayersPluginOptions> = [
  '**/*.{json,yaml,yml}',
  (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const projectFiles = selectProjectFiles(files, options.templateFileNames);

    return createNodesFromFiles(
      (file, _options, nodesContext) =>
        createNodesForFile(file, options, nodesContext),
      projectFiles,
      options,
      context,
    );
  },
];

/** Nx 22 and later call `createNodes` with the batch signature. */
export const createNodes = createNodesV2;

/**
 * Picks one file per folder: `layer.json` when the folder has one, else the
 * first template file name in `templateFileNames` order.
 */
export function selectProjectFiles(
  files: readonly string[],
  templateFileNames: string[],
): string[] {
  const namesByFolder = new Map<string, Set<string>>();
  for (const file of files) {
    const folder = dirname(file);
    const names = namesByFolder.get(folder) ?? new Set<string>();
    names.add(basename(file));
    namesByFolder.set(folder, names);
  }

  const selected: string[] = [];
  for (const [folder, names] of namesByFolder) {
    const name = [LAYER_CONFIG_FILE, ...templateFileNames].find((candidate) =>
      names.has(candidate),
    );
    if (name) selected.push(posix.join(folder, name));
  }
  return selected;
}

function createNodesForFile(
  file: string,
  options: NormalizedPluginOptions,
  context: CreateNodesContext,
): CreateNodesResult {
  const projectRoot = dirname(file);
  const absoluteRoot = join(context.workspaceRoot, projectRoot);
  const hasProjectJson = existsSync(join(absoluteRoot, 'project.json'));
  const hasPackageJson = existsSync(join(absoluteRoot, 'package.json'));
  const configText = readIfExists(join(context.workspaceRoot, file)) ?? '';
  const samConfigText = readIfExists(join(absoluteRoot, SAM_CONFIG_FILE));

  const key = hashArray([
    JSON.stringify(options),
    context.workspaceRoot,
    file,
    String(hasProjectJson),
    String(hasPackageJson),
    configText,
    samConfigText ?? '',
  ]);
  if (!projectCache.has(key)) {
    const project = inspectProject(file, configText, samConfigText, options);
    const name = hasProjectJson || hasPackageJson
      ? undefined
      : basename(projectRoot === '.' ? context.workspaceRoot : projectRoot);
    projectCache.set(
      key,
      project && {
        [projectRoot]: {
          ...(name ? { name } : {}),
          targets: buildTargets(project, projectRoot, options),
        },
      },
    );
  }
  return { projects: projectCache.get(key) };
}

/** Reads what the targets need from a project's configuration file. */
function inspectProject(
  file: string,
  text: string,
  samConfigText: string | undefined,
  options: NormalizedPluginOptions,
): InferredProject | undefined {
  if (basename(file) === LAYER_CONFIG_FILE) {
    return inspectLayer(file, text);
  }
  const template = parseTemplateOrReport(text, file);
  if (template && !isCloudFormationTemplate(template.value)) {
    logger.verbose(
      `nx-lambda-layers: ${file} has no Resources section; not a stack project`,
    );
    return undefined;
  }
  const samConfig = parseSamConfigOrReport(
    samConfigText,
    dirname(file),
    options.configEnv,
  );
  return {
    kind: 'stack',
    templateFile: basename(file),
    stackName: samConfig?.stackName,
    region: samConfig?.region,
  };
}

function inspectLayer(file: string, text: string): InferredProject {
  try {
    const config = parseLayerConfig(text, file);
    const findLinks = (config.pip?.findLinks ?? []).filter(
      (link) => !link.includes('://') && !posix.isAbsolute(link),
    );
    return { kind: 'layer', layerName: config.layerName, findLinks };
  } catch (error) {
    if (!(error instanceof LayerConfigError)) throw error;
    reportOnce(error.message);
    return { kind: 'layer', findLinks: [] };
  }
}

/**
 * Builds the inferred targets of a project. A target name option set to
 * `false` leaves that target out.
 */
export function buildTargets(
  project: InferredProject,
  projectRoot: string,
  options: NormalizedPluginOptions,
): Record<string, TargetConfiguration> {
  return project.kind === 'layer'
    ? buildLayerTargets(project, options)
    : buildStackTargets(project, projectRoot, options);
}

function buildLayerTargets(
  project: Extract<InferredProject, { kind: 'layer' }>,
  options: NormalizedPluginOptions,
): Record<string, TargetConfiguration> {
  const { buildTargetName, publishTargetName } = options;
  const layer = project.layerName ? `layer ${project.layerName}` : 'the layer';
  const targets: Record<string, TargetConfiguration> = {};

  if (buildTargetName) {
    targets[buildTargetName] = {
      executor: 'nx-lambda-layers:build-layer',
      cache: true,
      inputs: [
        '{projectRoot}/**/*',
        ...project.findLinks.map(
          (folder) => `{workspaceRoot}/${posix.normalize(folder)}/**/*`,
        ),
        { env: 'SOURCE_DATE_EPOCH' },
        { externalDependencies: [] },
      ],
      outputs: ['{workspaceRoot}/dist/{projectRoot}'],
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
      cache: false,
      metadata: {
        description:
          `Publish a new version of ${layer} to Lambda ` +
          'and record its ARN in SSM',
      },
    };
  }
  return targets;
}

function buildStackTargets(
  project: Extract<InferredProject, { kind: 'stack' }>,
  projectRoot: string,
  options: NormalizedPluginOptions,
): Record<string, TargetConfiguration> {
  const { deployTargetName, publishTargetName } = options;
  if (!deployTargetName) {
    return {};
  }
  return {
    [deployTargetName]: {
      executor: 'nx-lambda-layers:deploy',
      options: {
        template: `{projectRoot}/${project.templateFile}`,
        // Nx replaces {projectName} with the project's final name.
        stackName: project.stackName ?? '{projectName}',
        ...(project.region ? { region: project.region } : {}),
      },
      dependsOn: publishTargetName ? [`^${publishTargetName}`] : [],
      cache: false,
      metadata: {
        description:
          `Deploy the CloudFormation stack of ${projectRoot}/` +
          `${project.templateFile} after the layers it uses are published`,
      },
    },
  };
}
