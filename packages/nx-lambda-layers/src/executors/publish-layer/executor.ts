import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import {
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import { describeFailure } from '../../lib/aws/errors';
import { readLayerConfig } from '../../lib/layer-config';
import { layerOutputDir, PUBLISH_RESULT_FILE } from '../../lib/manifest';
import { readLayerArtifacts } from '../../lib/publish/artifacts';
import { writeJsonFile } from '../../lib/publish/json-file';
import { publishLayer } from '../../lib/publish/publish-layer';
import type { PublishLayerExecutorSchema } from './schema';

/**
 * Publishes the built layer zip of the project and records the version ARN
 * in SSM and in `dist/<projectRoot>/publish-result.json`.
 */
export default async function publishLayerExecutor(
  options: PublishLayerExecutorSchema,
  context: ExecutorContext,
  createClients: AwsClientsFactory = createAwsClients,
): Promise<{ success: boolean }> {
  const projectRoot = projectRootOf(context);
  try {
    const config = readLayerConfig(context.root, projectRoot);
    const artifacts = readLayerArtifacts(context.root, projectRoot);
    const clients = await createClients({
      region: options.region,
      profile: options.profile,
    });
    const result = await publishLayer(config, artifacts, clients, options);
    if (!result) {
      return { success: true };
    }

    const resultFile = join(layerOutputDir(projectRoot), PUBLISH_RESULT_FILE);
    await writeJsonFile(join(context.root, resultFile), result);
    const state = result.published ? 'published' : 'unchanged';
    logger.info(
      `layer ${result.layerName} version ${result.version} (${state}): ` +
        `${result.layerVersionArn}, result in ${resultFile}`,
    );
    return { success: true };
  } catch (error) {
    logger.error(
      `publish-layer failed for ${projectRoot}: ${describeFailure(error)}`,
    );
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
