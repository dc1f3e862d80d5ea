import {
  getProjects,
  joinPathFragments,
  readJson,
  visitNotIgnoredFiles,
  type Tree,
} from '@nx/devkit';
import { basename, dirname, posix } from 'node:path';
import {
  LAYER_CONFIG_FILE,
  LayerConfigError,
  parseLayerConfig,
  type LayerConfig,
} from '../../lib/layer-config';
import type { InferredProject } from '../../graph/targets';
import { DEFAULT_TEMPLATE_FILE_NAMES } from '../../graph/options';
import { isCloudFormationTemplate, parseTemplate } from '../../lib/template';

/** A layer project found in the tree: a folder with `layer.json`. */
export interface LayerProjectInTree {
  projectName: string;
  root: string;
  config: LayerConfig;
}

/** Files that make a folder a project of the graph plugin, by default. */
const INFERRED_PROJECT_FILES = new Set([
  LAYER_CONFIG_FILE,
  ...DEFAULT_TEMPLATE_FILE_NAMES,
]);

/** Project name pattern accepted by the generators. */
const PROJECT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Lists the layer projects of the tree, sorted by project name. A project
 * is named as the graph plugin names it: the `name` of its `project.json`
 * or `package.json`, else its folder name. An invalid `layer.json` is left
 * out, because it is no layer a generator can use.
 */
export function readLayerProjects(tree: Tree): LayerProjectInTree[] {
  const layers: LayerProjectInTree[] = [];
  visitNotIgnoredFiles(tree, '', (path) => {
    if (basename(path) !== LAYER_CONFIG_FILE) {
      return;
    }
    const root = dirname(path);
    const config = parseLayerConfigOrSkip(tree.read(path, 'utf-8') ?? '', path);
    if (config) {
      layers.push({ projectName: projectNameOf(tree, root), root, config });
    }
  });
  return layers.sort((a, b) => a.projectName.localeCompare(b.projectName));
}

function parseLayerConfigOrSkip(
  text: string,
  path: string,
): LayerConfig | undefined {
  try {
    return parseLayerConfig(text, path);
  } catch (error) {
    if (error instanceof LayerConfigError) return undefined;
    throw error;
  }
}

function projectNameOf(tree: Tree, root: string): string {
  for (const file of ['project.json', 'package.json']) {
    const path = joinPathFragments(root, file);
    if (tree.exists(path)) {
      const name = readJson<{ name?: string }>(tree, path).name;
      if (name) return name;
    }
  }
  return basename(root === '.' ? tree.root : root);
}

/**
 * Throws when `name` is no valid project name, when a project of that name
 * exists, or when `directory` already has files. Generators call it before
 * they write anything, so a failed run changes nothing.
 */
export function assertNewProject(
  tree: Tree,
  name: string,
  directory: string,
): void {
  if (!PROJECT_NAME_PATTERN.test(name)) {
    throw new Error(
      `invalid project name ${JSON.stringify(name)}; use lower-case ` +
        'letters, digits and hyphens, starting with a letter or digit',
    );
  }
  assertInsideWorkspace(directory, name);
  const existing = findProjectRoot(tree, name);
  if (existing !== undefined) {
    throw new Error(
      `project ${name} already exists at ${existing}; choose another ` +
        'name or remove that project first',
    );
  }
  if (tree.exists(directory) && tree.children(directory).length > 0) {
    throw new Error(
      `folder ${directory} already exists and is not empty; choose ` +
        'another --directory',
    );
  }
}

/** Throws for a project folder that is absolute or leads out of the workspace. */
function assertInsideWorkspace(directory: string, name: string): void {
  const normalized = posix.normalize(directory.replace(/\\/g, '/'));
  if (
    posix.isAbsolute(normalized) ||
    normalized === '..' ||
    normalized.startsWith('../')
  ) {
    throw new Error(
      `invalid directory ${JSON.stringify(directory)}; pass a folder ` +
        `inside the workspace, relative to its root, such as apps/${name}`,
    );
  }
}

/**
 * Root of the project named `name`: a project from `project.json` or
 * `package.json`, or a folder the graph plugin makes a project (one with
 * `layer.json` or a template file and no name of its own).
 */
function findProjectRoot(tree: Tree, name: string): string | undefined {
  const configured = getProjects(tree).get(name);
  if (configured) {
    return configured.root;
  }
  let found: string | undefined;
  visitNotIgnoredFiles(tree, '', (path) => {
    if (found === undefined && INFERRED_PROJECT_FILES.has(basename(path))) {
      const root = dirname(path);
      if (projectNameOf(tree, root) === name) found = root;
    }
  });
  return found;
}

/** A folder the graph plugin makes a project, with what its targets need. */
export interface InferredProjectAt {
  root: string;
  project: InferredProject;
}

/**
 * Lists the folders of the tree that the graph plugin, with default
 * template file names, makes layer or stack projects.
 */
export function findInferredProjects(tree: Tree): InferredProjectAt[] {
  const filesByRoot = new Map<string, Set<string>>();
  visitNotIgnoredFiles(tree, '', (path) => {
    if (INFERRED_PROJECT_FILES.has(basename(path))) {
      const names = filesByRoot.get(dirname(path)) ?? new Set<string>();
      filesByRoot.set(dirname(path), names.add(basename(path)));
    }
  });
  const projects: InferredProjectAt[] = [];
  for (const [root, names] of filesByRoot) {
    if (names.has(LAYER_CONFIG_FILE)) {
      projects.push({ root, project: { kind: 'layer', findLinks: [] } });
      continue;
    }
    const templateFile = DEFAULT_TEMPLATE_FILE_NAMES.find((name) =>
      names.has(name),
    )!;
    if (isStackTemplate(tree, joinPathFragments(root, templateFile))) {
      // usesLayers is assumed, so names of targets that need it are kept free.
      projects.push({
        root,
        project: { kind: 'stack', templateFile, usesLayers: true },
      });
    }
  }
  return projects;
}

function isStackTemplate(tree: Tree, path: string): boolean {
  try {
    const text = tree.read(path, 'utf-8') ?? '';
    const template = parseTemplate(text, path, { readOnly: true });
    return isCloudFormationTemplate(template.value);
  } catch {
    // The plugin reports an invalid template and still makes a project.
    return true;
  }
}
