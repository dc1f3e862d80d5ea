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
import { publishInRegions } from '../../lib/publish/run';
import {
  checkDirectUploadSize,
  mergePublishSettings,
} from '../../lib/publish/settings';
import type { PublishLayerExecutorSchema } from './schema';
import { projectRootOf } from '../../lib/executor-context';

/**
 * Publishes the built layer zip of the project in each configured region
 * and records the version ARNs in SSM and in
 * `dist/<projectRoot>/publish-result.json`.
 */
export default async function publishLayerExecutor(
  options: PublishLayerExecutorSchema,
  context: ExecutorContext,
  createClients: AwsClientsFactory = createAwsClients,
): Promise<{ success: boolean }> {
  const projectRoot = projectRootOf(context);
  try {
    const config = readLayerConfig(context.root, projectRoot);
    const settings = mergePublishSettings(config, options);
    const artifacts = readLayerArtifacts(
      context.root,
      projectRoot,
      context.projectName,
    );
    checkDirectUploadSize(artifacts.zip.length, settings, artifacts.zipPath);

    const result = await publishInRegions(
      { config, settings, artifacts },
      { workspaceRoot: context.root, projectRoot },
      createClients,
    );
    if (settings.dryRun) {
      return { success: result.success };
    }
    const resultFile = join(layerOutputDir(projectRoot), PUBLISH_RESULT_FILE);
    await writeJsonFile(join(context.root, resultFile), result);
    logger.info(`result in ${resultFile}`);
    return { success: result.success };
  } catch (error) {
    logger.error(
      `publish-layer failed for ${projectRoot}: ${describeFailure(error)}`,
    );
    return { success: false };
  }
}
