import {
  createNodesFromFiles,
  hashArray,
  logger,
  type CreateNodesContext,
  type CreateNodesResult,
  type CreateNodesV2,
} from '@nx/devkit';
import { existsSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { basename, dirname, join, posix } from 'node:path';
import {
  LAYER_CONFIG_FILE,
  LayerConfigError,
  parseLayerConfig,
} from '../lib/layer-config';
import { SAM_CONFIG_FILE, type SamDeployConfig } from '../lib/samconfig';
import { isCloudFormationTemplate, resourcesOf } from '../lib/template';
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
import { InferenceCache } from './inference-cache';
import { includedRequirementFiles } from './python-projects';
import { buildTargets, type InferredProject } from './targets';

export { buildTargets } from './targets';

/** Targets and name by cache key, the hash of the options and files read. */
const projectCache = new InferenceCache();

/**
 * Infers layer projects (folders with `layer.json`) and stack projects
 * (folders with a CloudFormation or SAM template and no `layer.json`). The
 * template file names are an option, but Nx reads the pattern before the
 * options. So the pattern matches every YAML and JSON file, and the function
 * keeps only the names it uses. tools/bench/graph-bench.ts measures that
 * the extra files (1013 matched instead of 505 in its 500-stack workspace)
 * add no measurable time to this function.
 */
export const createNodesV2: CreateNodesV2<LambdaLayersPluginOptions> = [
  '**/*.{json,yaml,yml}',
  async (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    if (!options.inference) {
      return [];
    }
    const projectFiles = selectProjectFiles(files, options.templateFileNames);

    projectCache.load(context.workspaceRoot, options);
    const usedKeys = new Set<string>();
    try {
      return await createNodesFromFiles(
        (file, _options, nodesContext) =>
          createNodesForFile(file, options, nodesContext, usedKeys),
        projectFiles,
        options,
        context,
      );
    } finally {
      projectCache.save(usedKeys);
    }
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
  usedKeys: Set<string>,
): CreateNodesResult {
  const projectRoot = dirname(file);
  const absoluteRoot = join(context.workspaceRoot, projectRoot);
  const hasProjectJson = existsSync(join(absoluteRoot, 'project.json'));
  const hasPackageJson = existsSync(join(absoluteRoot, 'package.json'));
  const configText = readIfExists(join(context.workspaceRoot, file)) ?? '';
  const samConfigText = readIfExists(join(absoluteRoot, SAM_CONFIG_FILE));
  const requirements =
    basename(file) === LAYER_CONFIG_FILE
      ? readRequirements(context.workspaceRoot, projectRoot, configText)
      : undefined;

  const key = hashArray([
    JSON.stringify(options),
    context.workspaceRoot,
    file,
    String(hasProjectJson),
    String(hasPackageJson),
    configText,
    samConfigText ?? '',
    requirements?.text ?? '',
  ]);
  usedKeys.add(key);
  if (!projectCache.has(key)) {
    const project = inspectProject(
      file,
      configText,
      samConfigText,
      options,
      requirements,
    );
    const name =
      hasProjectJson || hasPackageJson
        ? undefined
        : basename(projectRoot === '.' ? context.workspaceRoot : projectRoot);
    // `{}` rather than undefined, so the cache file records files that
    // are no project too.
    projectCache.set(
      key,
      project
        ? {
            [projectRoot]: {
              ...(name ? { name } : {}),
              targets: buildTargets(project, projectRoot, options),
            },
          }
        : {},
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
  requirements?: LayerRequirements,
): InferredProject | undefined {
  if (basename(file) === LAYER_CONFIG_FILE) {
    return inspectLayer(file, text, requirements);
  }
  const template = parseTemplateOrReport(text, file);
  if (template && !isCloudFormationTemplate(template.value)) {
    logger.verbose(
      `nx-lambda-layers: ${file} has no Resources section; not a stack project`,
    );
    return undefined;
  }
  const projectRoot = dirname(file);
  return {
    kind: 'stack',
    templateFile: basename(file),
    samConfig: parseSamConfigOrReport(
      samConfigText,
      projectRoot,
      options.configEnv,
    ),
    otherEnvironments: readOtherEnvironments(
      samConfigText,
      projectRoot,
      options.configEnv,
    ),
    usesLayers: template ? templateUsesLayers(template.value) : false,
  };
}

/**
 * Reads the deploy settings of every `samconfig.toml` environment except
 * `configEnv`. An invalid file yields none: its error is reported by the
 * read of `configEnv`.
 */
function readOtherEnvironments(
  text: string | undefined,
  projectRoot: string,
  configEnv: string,
): Record<string, SamDeployConfig> | undefined {
  let document: Record<string, unknown>;
  try {
    document = text === undefined ? {} : parseToml(text);
  } catch {
    return undefined;
  }
  const environments: Record<string, SamDeployConfig> = {};
  for (const [env, table] of Object.entries(document)) {
    if (env === configEnv || !isTable(table)) continue;
    if (!isTable(table.deploy) && !isTable(table.global)) continue;
    const config = parseSamConfigOrReport(text, projectRoot, env);
    if (config) environments[env] = config;
  }
  return Object.keys(environments).length ? environments : undefined;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when a function resource or SAM's `Globals.Function` has `Layers`:
 * only then can the hotswap target change anything.
 */
function templateUsesLayers(value: unknown): boolean {
  const globals = (value as { Globals?: { Function?: unknown } }).Globals;
  if (isTable(globals?.Function) && 'Layers' in globals.Function) {
    return true;
  }
  return resourcesOf(value).some(
    ([, resource]) =>
      FUNCTION_TYPES.has(String(resource?.Type)) &&
      isTable(resource.Properties) &&
      'Layers' in resource.Properties,
  );
}

const FUNCTION_TYPES = new Set([
  'AWS::Lambda::Function',
  'AWS::Serverless::Function',
]);

function inspectLayer(
  file: string,
  text: string,
  requirements: LayerRequirements | undefined,
): InferredProject {
  const projectRoot = posix.dirname(file);
  // Files the requirements include from outside the project feed the build
  // too; those inside are covered by the project's own input glob.
  // NOTE: only includes of the layer's requirements file are read, not
  // includes of included files.
  const includedFiles = requirements
    ? includedRequirementFiles(requirements.text, requirements.file).filter(
        (path) => !path.startsWith(`${projectRoot}/`),
      )
    : [];
  try {
    const config = parseLayerConfig(text, file);
    const findLinks = (config.pip?.findLinks ?? []).filter(
      (link) => !link.includes('://') && !posix.isAbsolute(link),
    );
    return {
      kind: 'layer',
      layerName: config.layerName,
      findLinks,
      includedFiles,
    };
  } catch (error) {
    if (!(error instanceof LayerConfigError)) throw error;
    reportOnce(error.message);
    return { kind: 'layer', findLinks: [], includedFiles };
  }
}

interface LayerRequirements {
  /** Workspace-relative path of the layer's requirements file. */
  file: string;
  text: string;
}

/**
 * Reads the requirements file that a `layer.json` names (default
 * `requirements.txt`), or returns undefined when it cannot be read.
 */
function readRequirements(
  workspaceRoot: string,
  projectRoot: string,
  layerConfigText: string,
): LayerRequirements | undefined {
  let name = 'requirements.txt';
  try {
    const configured = (
      JSON.parse(layerConfigText) as { requirements?: unknown }
    ).requirements;
    if (typeof configured === 'string') name = configured;
  } catch {
    // An invalid layer.json is reported by inspectLayer.
  }
  const file = posix.normalize(posix.join(projectRoot, name));
  const text = readIfExists(join(workspaceRoot, file));
  return text === undefined ? undefined : { file, text };
}
