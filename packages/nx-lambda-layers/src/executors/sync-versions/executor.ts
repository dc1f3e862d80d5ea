import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import {
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import { describeFailure } from '../../lib/aws/errors';
import { readLayerConfig } from '../../lib/layer-config';
import { runSync } from '../../lib/sync/run';
import type { SyncMode } from '../../lib/sync/sync';
import type { SyncVersionsExecutorSchema } from './schema';

/**
 * Writes the layer's current version into the templates that reference it,
 * or checks, diffs, renders or migrates them to SSM, as the options select.
 */
export default async function syncVersionsExecutor(
  options: SyncVersionsExecutorSchema,
  context: ExecutorContext,
  createClients: AwsClientsFactory = createAwsClients,
): Promise<{ success: boolean }> {
  const projectName = context.projectName ?? '';
  try {
    const projectRoot = rootOf(context, projectName);
    const folders = foldersToSearch(options, context, projectName);
    if (folders.length === 0) {
      logger.info(
        `no project depends on ${projectName} in the project graph, so no ` +
          'template to sync; pass --scope=workspace or --paths to search ' +
          'other folders',
      );
      return { success: true };
    }
    const success = await runSync(
      {
        workspaceRoot: context.root,
        projectRoot,
        layer: readLayerConfig(context.root, projectRoot),
        folders,
        mode: modeOf(options),
        version: options.layerVersion,
        toSsm: options.toSsm,
        renderDir: options.render
          ? checkRenderDir(context.root, options.renderDir)
          : undefined,
        region: options.region,
        profile: options.profile,
      },
      createClients,
    );
    return { success };
  } catch (error) {
    logger.error(
      `sync-versions failed for ${projectName}: ${describeFailure(error)}`,
    );
    return { success: false };
  }
}

function modeOf(options: SyncVersionsExecutorSchema): SyncMode {
  const chosen = (['check', 'dryRun', 'render'] as const).filter(
    (name) => options[name],
  );
  if (chosen.length > 1) {
    throw new Error(
      `options ${chosen.join(' and ')} exclude each other; pass one of them`,
    );
  }
  const modes = { check: 'check', dryRun: 'dry-run', render: 'render' };
  return chosen.length ? (modes[chosen[0]] as SyncMode) : 'write';
}

/** Returns `paths`, the dependent projects' folders, or the workspace. */
function foldersToSearch(
  options: SyncVersionsExecutorSchema,
  context: ExecutorContext,
  projectName: string,
): string[] {
  if (options.paths?.length) return checkPaths(context.root, options.paths);
  if (options.scope === 'workspace') return ['.'];

  const dependencies = context.projectGraph?.dependencies ?? {};
  const dependents = Object.entries(dependencies)
    .filter(([, list]) => list.some((d) => d.target === projectName))
    .map(([source]) => source)
    .filter((source) => source !== projectName);
  return dependents.map((name) => rootOf(context, name)).sort();
}

/**
 * Returns `paths` relative to the workspace root. Throws for a path that
 * is empty, does not exist or is not a folder, and for one that leads
 * outside the workspace, also through a symlink. A rewrite must never
 * leave the workspace, and a mistyped folder would otherwise sync nothing.
 */
function checkPaths(workspaceRoot: string, paths: string[]): string[] {
  const realRoot = realpathSync.native(workspaceRoot);
  return paths.map((path) => {
    if (path.trim() === '') {
      throw new Error(
        '--paths contains an empty path; pass folders, relative to the ' +
          'workspace root, or . for the whole workspace',
      );
    }
    const relativePath = relative(workspaceRoot, resolve(workspaceRoot, path));
    if (isOutside(relativePath)) {
      throw new Error(
        `path ${path} is outside the workspace; pass folders inside it, ` +
          'relative to the workspace root',
      );
    }
    const absolutePath = join(workspaceRoot, relativePath);
    if (!existsSync(absolutePath)) {
      throw new Error(
        `path ${path} not found in the workspace; pass existing folders, ` +
          'relative to the workspace root',
      );
    }
    const target = realpathSync.native(absolutePath);
    if (isOutside(relative(realRoot, target))) {
      throw new Error(
        `path ${path} leads outside the workspace, to ${target}; pass ` +
          'folders inside it, relative to the workspace root',
      );
    }
    if (!statSync(target).isDirectory()) {
      throw new Error(
        `path ${path} is not a folder; pass folders, relative to the ` +
          'workspace root',
      );
    }
    return relativePath === '' ? '.' : relativePath;
  });
}

/**
 * Returns the render folder relative to the workspace root. Throws for the
 * root itself, where the copies would replace the sources, and for a
 * folder outside the workspace.
 */
function checkRenderDir(
  workspaceRoot: string,
  renderDir: string | undefined,
): string | undefined {
  if (renderDir === undefined) return undefined;
  const relativePath = relative(
    workspaceRoot,
    resolve(workspaceRoot, renderDir),
  );
  let problem: string | undefined;
  if (relativePath === '') {
    problem = 'the workspace root, so the copies would replace the sources';
  } else if (isOutside(relativePath)) {
    problem = 'outside the workspace';
  }
  if (problem) {
    throw new Error(
      `--render-dir "${renderDir}" is ${problem}; pass a folder inside the ` +
        'workspace, relative to its root, such as dist',
    );
  }
  return relativePath.split(sep).join('/');
}

function isOutside(relativePath: string): boolean {
  return relativePath.split(sep)[0] === '..' || isAbsolute(relativePath);
}

function rootOf(context: ExecutorContext, name: string): string {
  const project = context.projectsConfigurations?.projects[name];
  if (!project) {
    throw new Error(`project ${name} not found in the workspace`);
  }
  return project.root;
}
