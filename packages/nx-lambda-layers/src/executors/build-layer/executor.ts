import { type ExecutorContext, logger } from '@nx/devkit';
import { buildLayer } from '../../lib/layer-build';
import { readLayerConfig } from '../../lib/layer-config';
import { createPipClient, type PipClient } from '../../lib/pip';
import type { BuildLayerExecutorSchema } from './schema';

/**
 * Builds the project's layer zip and manifest under `dist/<projectRoot>`
 * from its `layer.json` and requirements file.
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
    await buildLayer({
      workspaceRoot: context.root,
      projectRoot,
      config: {
        ...config,
        requirements: options.requirements ?? config.requirements,
      },
      outputPath: options.outputPath,
      pipClient,
    });
    return { success: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`build-layer failed for ${projectName}: ${message}`);
    return { success: false };
  }
}

function projectRootOf(context: ExecutorContext): string {
  const name = context.projectName;
  const project = name
    ? context.projectsConfigurations.projects[name]
    : undefined;
  if (!project) {
    throw new Error(`project ${name} not found in the workspace`);
  }
  return project.root;
}
