import { type ExecutorContext, logger } from '@nx/devkit';
import { buildLayer } from '../../lib/layer-build';
import { type LayerConfig, readLayerConfig } from '../../lib/layer-config';
import { createPipClient, type PipClient } from '../../lib/pip';
import type { BuildLayerExecutorSchema } from './schema';
import { projectRootOf } from '../../lib/executor-context';

/**
 * Builds the project's layer zip and manifest under `dist/<projectRoot>`
 * from its `layer.json` and requirements; options override `layer.json`.
 */
export default async function buildLayerExecutor(
  options: BuildLayerExecutorSchema,
  context: ExecutorContext,
  pipClient: PipClient = createPipClient(options.python),
): Promise<{ success: boolean }> {
  const projectName = context.projectName ?? '(no project)';
  try {
    const projectRoot = projectRootOf(context);
    const config = readLayerConfig(context.root, projectRoot);
    warnIfInputsReplaced(context);
    await buildLayer({
      workspaceRoot: context.root,
      projectRoot,
      config: applyOptions(config, options),
      requirementsFileSet:
        options.requirements !== undefined ||
        config.requirements !== 'requirements.txt',
      ref: options.ref,
      outputPath: options.outputPath,
      pipClient,
      python: options.python,
    });
    return { success: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`build-layer failed for ${projectName}: ${message}`);
    return { success: false };
  }
}

/**
 * Warns when the target's cache inputs lack the ones the plugin infers.
 * Nx applies `targetDefaults` over inferred targets, so an nx.json entry
 * such as `"build": { "inputs": ["production"] }` replaces them. The
 * cache then misses changes to requirement files included with `-r` or
 * `-c` from outside the project and to find-links folders, and replays a
 * stale zip. `SOURCE_DATE_EPOCH` is always among the inferred inputs, so
 * its absence shows the replacement.
 */
function warnIfInputsReplaced(context: ExecutorContext): void {
  const targetName = context.targetName ?? 'build';
  const target =
    context.projectsConfigurations?.projects[context.projectName ?? '']
      ?.targets?.[targetName];
  const inputs = target?.inputs;
  if (!inputs) return;
  const hasInferred = inputs.some(
    (input) =>
      typeof input === 'object' &&
      'env' in input &&
      input.env === 'SOURCE_DATE_EPOCH',
  );
  if (hasInferred) return;
  logger.warn(
    `the inputs of target ${targetName} (${JSON.stringify(inputs)}) ` +
      'replace the ones nx-lambda-layers infers, so the Nx cache can ' +
      'return a stale layer zip after a change to an included ' +
      'requirements file or a find-links folder. A targetDefaults entry ' +
      `for "${targetName}" in nx.json usually does this: remove its ` +
      'inputs, or key the entry by executor (such as "@nx/js:tsc")',
  );
}

/** Returns the layer configuration with the executor options applied. */
export function applyOptions(
  config: LayerConfig,
  options: BuildLayerExecutorSchema,
): LayerConfig {
  const pip = { ...config.pip };
  pip.noIndex = options.noIndex ?? pip.noIndex;
  pip.indexUrl = options.indexUrl ?? pip.indexUrl;
  pip.extraIndexUrls = options.extraIndexUrls ?? pip.extraIndexUrls;
  pip.findLinks = options.findLinks ?? pip.findLinks;
  pip.constraints = options.constraints ?? pip.constraints;
  return {
    ...config,
    requirements: options.requirements ?? config.requirements,
    packages: options.packages ?? config.packages,
    noDependencies: options.noDependencies ?? config.noDependencies,
    runtime: options.runtime ?? config.runtime,
    architecture: options.architecture ?? config.architecture,
    layout: options.layout ?? config.layout,
    exclude: options.exclude ?? config.exclude,
    keepDistInfo: options.keepDistInfo ?? config.keepDistInfo,
    pip,
  };
}
