import {
  DependencyType,
  hashArray,
  joinPathFragments,
  type CreateDependencies,
  type CreateDependenciesContext,
  type RawProjectGraphDependency,
} from '@nx/devkit';
import { join, posix } from 'node:path';
import { canonicalPackageName } from '../lib/build/requirements';
import {
  LAYER_CONFIG_FILE,
  LayerConfigError,
  parseLayerConfig,
  type LayerConfig,
} from '../lib/layer-config';
import { findLayerReferences } from '../lib/layer-refs';
import { SAM_CONFIG_FILE } from '../lib/samconfig';
import {
  findInstalledPythonProjects,
  PYPROJECT_FILE,
  pyprojectName,
  type PythonProjects,
} from './python-projects';
import {
  normalizeOptions,
  type LambdaLayersPluginOptions,
  type NormalizedPluginOptions,
} from './options';
import {
  clearParsedTemplates,
  findTemplateFile,
  parseSamConfigOrReport,
  parseTemplateOrReport,
  readIfExists,
  reportOnce,
} from './project-files';

interface LayerProject {
  projectName: string;
  config: LayerConfig;
}

/** Parsed `layer.json` files by path, with the hash of their text. */
const layerConfigCache = new Map<
  string,
  { hash: string; config: LayerConfig | undefined }
>();

/** `[project] name` of `pyproject.toml` files by path, with their hash. */
const pyprojectCache = new Map<
  string,
  { hash: string; name: string | undefined }
>();

/** Layer names a template refers to, by template path, with the cache key. */
const referenceCache = new Map<string, { key: string; layerNames: string[] }>();

/**
 * Adds a static dependency from each stack project to every layer project
 * whose layer its template refers to (see `findLayerReferences`), so
 * `nx affected` and `dependsOn: ['^publish']` follow layer changes, and from
 * each layer project to the workspace Python projects it installs.
 */
export const createDependencies: CreateDependencies<
  LambdaLayersPluginOptions
> = (rawOptions, context) => {
  const options = normalizeOptions(rawOptions);
  if (!options.inference) {
    return [];
  }
  try {
    return findDependencies(options, context);
  } finally {
    clearParsedTemplates();
  }
};

function findDependencies(
  options: NormalizedPluginOptions,
  context: CreateDependenciesContext,
): RawProjectGraphDependency[] {
  const files = new FileHashes(context);
  const { layers, layerProjectNames } = readLayerProjects(context, files);
  if (layers.size === 0) {
    return [];
  }
  const dependencies = pythonProjectDependencies(context, files, layers);
  const layersKey = hashArray(
    [...layers.values()].map((layer) => JSON.stringify(layer.config)),
  );

  for (const [projectName, project] of Object.entries(context.projects)) {
    const root = project.root;
    if (layerProjectNames.has(projectName)) {
      continue;
    }
    const templateFile = findTemplateFile(
      context.workspaceRoot,
      root,
      options.templateFileNames,
    );
    if (!templateFile) {
      continue;
    }
    const sourceFile = joinPathFragments(root, templateFile);
    const stack = { projectName, root, sourceFile };
    const layerNames = referencedLayerNames(stack, files, {
      layers,
      layersKey,
      configEnv: options.configEnv,
    });
    for (const layerName of layerNames) {
      dependencies.push({
        source: projectName,
        target: layers.get(layerName)!.projectName,
        sourceFile,
        type: DependencyType.static,
      });
    }
  }
  return dependencies;
}

/**
 * Adds a static dependency from each layer project to every workspace Python
 * project (a project with `pyproject.toml`) that its requirements file
 * installs, so a change to that package affects the layer and its stacks.
 */
function pythonProjectDependencies(
  context: CreateDependenciesContext,
  files: FileHashes,
  layers: Map<string, LayerProject>,
): RawProjectGraphDependency[] {
  const pythonProjects = readPythonProjects(context, files);
  const dependencies: RawProjectGraphDependency[] = [];
  for (const layer of layers.values()) {
    const root = context.projects[layer.projectName].root;
    const sourceFile = joinPathFragments(root, layer.config.requirements);
    const text = files.read(sourceFile);
    if (text === undefined) continue;
    const targets = findInstalledPythonProjects(
      text,
      sourceFile,
      pythonProjects,
    );
    for (const target of targets) {
      if (target === layer.projectName) continue;
      dependencies.push({
        source: layer.projectName,
        target,
        sourceFile,
        type: DependencyType.static,
      });
    }
  }
  return dependencies;
}

/** Reads the `[project] name` of every project with a `pyproject.toml`. */
function readPythonProjects(
  context: CreateDependenciesContext,
  files: FileHashes,
): PythonProjects {
  const projects: PythonProjects = {
    byDistributionName: new Map(),
    byRoot: new Map(),
  };
  for (const [projectName, project] of Object.entries(context.projects)) {
    const path = joinPathFragments(project.root, PYPROJECT_FILE);
    const hash = files.hash(projectName, path);
    if (hash === undefined) continue;
    projects.byRoot.set(posix.normalize(project.root), projectName);
    const cached = pyprojectCache.get(join(files.workspaceRoot, path));
    const name =
      cached?.hash === hash
        ? cached.name
        : pyprojectName(files.read(path) ?? '');
    pyprojectCache.set(join(files.workspaceRoot, path), { hash, name });
    if (name) {
      projects.byDistributionName.set(canonicalPackageName(name), projectName);
    }
  }
  return projects;
}

/**
 * Reads `layer.json` of every project that has one. Returns the layers by
 * layer name and the names of all projects with a `layer.json`. A file that
 * is invalid, or that repeats another project's layer name, is reported and
 * its layer left out.
 */
function readLayerProjects(
  context: CreateDependenciesContext,
  files: FileHashes,
): { layers: Map<string, LayerProject>; layerProjectNames: Set<string> } {
  const layers = new Map<string, LayerProject>();
  const layerProjectNames = new Set<string>();
  for (const [projectName, project] of Object.entries(context.projects)) {
    const path = joinPathFragments(project.root, LAYER_CONFIG_FILE);
    const hash = files.hash(projectName, path);
    if (hash === undefined) {
      continue;
    }
    layerProjectNames.add(projectName);
    const config = readLayerConfigCached(path, hash, files);
    const existing = config && layers.get(config.layerName);
    if (existing) {
      reportOnce(
        `${path}: layerName "${config.layerName}" is also used by project ` +
          `${existing.projectName}; give each layer project its own layerName`,
      );
    } else if (config) {
      layers.set(config.layerName, { projectName, config });
    }
  }
  return { layers, layerProjectNames };
}

/** Returns the parsed `layer.json`, read again only when its hash changes. */
function readLayerConfigCached(
  path: string,
  hash: string,
  files: FileHashes,
): LayerConfig | undefined {
  const cached = layerConfigCache.get(join(files.workspaceRoot, path));
  if (cached?.hash === hash) {
    return cached.config;
  }
  const text = files.read(path);
  const config =
    text === undefined ? undefined : parseLayerConfigOrReport(text, path);
  layerConfigCache.set(join(files.workspaceRoot, path), { hash, config });
  return config;
}

function parseLayerConfigOrReport(
  text: string,
  path: string,
): LayerConfig | undefined {
  try {
    return parseLayerConfig(text, path);
  } catch (error) {
    if (!(error instanceof LayerConfigError)) throw error;
    reportOnce(error.message);
    return undefined;
  }
}

/**
 * Returns the names of the layers a stack's template refers to. The result
 * is cached by the hashes of the template, `samconfig.toml` and the layer
 * configurations, so only changed files are read again.
 */
function referencedLayerNames(
  stack: { projectName: string; root: string; sourceFile: string },
  files: FileHashes,
  scope: {
    layers: Map<string, LayerProject>;
    layersKey: string;
    configEnv: string;
  },
): string[] {
  const samConfigFile = joinPathFragments(stack.root, SAM_CONFIG_FILE);
  const key = hashArray([
    files.hash(stack.projectName, stack.sourceFile) ?? '',
    files.hash(stack.projectName, samConfigFile) ?? '',
    scope.layersKey,
    scope.configEnv,
  ]);
  const cacheKey = join(files.workspaceRoot, stack.sourceFile);
  const cached = referenceCache.get(cacheKey);
  if (cached?.key === key) {
    return cached.layerNames;
  }

  const template = parseTemplateOrReport(
    files.read(stack.sourceFile) ?? '',
    stack.sourceFile,
  );
  const samConfig = parseSamConfigOrReport(
    files.read(samConfigFile),
    stack.root,
    scope.configEnv,
  );
  const references = template
    ? findLayerReferences(
        template,
        [...scope.layers.values()].map((layer) => layer.config),
        samConfig?.parameterOverrides,
      )
    : [];
  const layerNames = [...new Set(references.map((ref) => ref.layerName))];
  referenceCache.set(cacheKey, { key, layerNames });
  return layerNames;
}

/**
 * Hashes of workspace files from the context's file map. A file the map
 * does not list (a hand-built context, for example) is hashed from its text.
 */
class FileHashes {
  private readonly byProject = new Map<string, Map<string, string>>();

  constructor(private readonly context: CreateDependenciesContext) {}

  get workspaceRoot(): string {
    return this.context.workspaceRoot;
  }

  hash(projectName: string, file: string): string | undefined {
    const listed = this.hashesOf(projectName).get(file);
    if (listed !== undefined) {
      return listed;
    }
    const text = this.read(file);
    return text === undefined ? undefined : hashArray([text]);
  }

  read(file: string): string | undefined {
    return readIfExists(join(this.context.workspaceRoot, file));
  }

  private hashesOf(projectName: string): Map<string, string> {
    let hashes = this.byProject.get(projectName);
    if (!hashes) {
      const files = this.context.fileMap?.projectFileMap?.[projectName] ?? [];
      hashes = new Map(files.map((file) => [file.file, file.hash]));
      this.byProject.set(projectName, hashes);
    }
    return hashes;
  }
}
