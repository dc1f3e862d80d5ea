import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import {
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import { describeFailure } from '../../lib/aws/errors';
import { hotswapLayers, readLayerVersionArns } from '../../lib/hotswap/hotswap';
import {
  LAYER_CONFIG_FILE,
  readLayerConfig,
  type LayerConfig,
} from '../../lib/layer-config';
import type { HotswapExecutorSchema } from './schema';

/**
 * Swaps the newest versions of the stack's layers into its functions
 * without a CloudFormation deploy.
 */
export default async function hotswapExecutor(
  options: HotswapExecutorSchema,
  context: ExecutorContext,
  createClients: AwsClientsFactory = createAwsClients,
): Promise<{ success: boolean }> {
  const projectName = context.projectName ?? '';
  const stackName = options.stackName ?? projectName;
  try {
    const layers = layerConfigsOf(options, context);
    if (layers.length === 0) {
      logger.warn(`${projectName} uses no layer project; nothing to swap`);
      return { success: true };
    }
    const clients = await createClients({
      region: options.region,
      profile: options.profile,
    });
    const layerVersionArns = await readLayerVersionArns(layers, clients);
    const swaps = await hotswapLayers(
      {
        stackName,
        layerVersionArns,
        functionNames: options.functionNames,
        maxWaitSeconds: options.maxWaitSeconds,
      },
      clients,
    );
    const updated = swaps.filter((swap) => swap.updated).length;
    logger.info(
      `hotswap of ${stackName}: ${updated} of ${swaps.length} functions updated`,
    );
    return { success: true };
  } catch (error) {
    logger.error(`hotswap failed for ${stackName}: ${describeFailure(error)}`);
    return { success: false };
  }
}

/**
 * Reads `layer.json` of the `layers` option's projects, or of every project
 * with a `layer.json` that the stack depends on in the project graph.
 */
function layerConfigsOf(
  options: HotswapExecutorSchema,
  context: ExecutorContext,
): LayerConfig[] {
  const projects = context.projectsConfigurations.projects;
  const names =
    options.layers ??
    (context.projectGraph.dependencies[context.projectName ?? ''] ?? [])
      .map((dependency) => dependency.target)
      .filter((name) =>
        existsSync(
          join(context.root, projects[name]?.root ?? '', LAYER_CONFIG_FILE),
        ),
      );
  return names.map((name) => {
    const project = projects[name];
    if (!project) {
      throw new Error(
        `layer project ${name} not found in the workspace; check the ` +
          '`layers` option',
      );
    }
    return readLayerConfig(context.root, project.root);
  });
}
