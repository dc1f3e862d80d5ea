import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import {
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import { describeFailure } from '../../lib/aws/errors';
import { type ConfirmPrompt, terminalPrompt } from '../../lib/deploy/confirm';
import { deployStack } from '../../lib/deploy/deploy';
import { loadDeployInput } from '../../lib/deploy/input';
import { DEPLOY_RESULT_FILE } from '../../lib/deploy/report';
import { layerOutputDir } from '../../lib/manifest';
import { writeJsonFile } from '../../lib/publish/json-file';
import type { DeployExecutorSchema } from './schema';
import { projectRootOf } from '../../lib/executor-context';

/**
 * Deploys the project's stack and writes
 * `dist/<projectRoot>/deploy-result.json`.
 */
export default async function deployExecutor(
  options: DeployExecutorSchema,
  context: ExecutorContext,
  createClients: AwsClientsFactory = createAwsClients,
  prompt: ConfirmPrompt = terminalPrompt,
): Promise<{ success: boolean }> {
  const projectRoot = projectRootOf(context);
  try {
    const input = loadDeployInput(
      context.root,
      projectRoot,
      options,
      context.projectsConfigurations.projects,
    );
    const clients = await createClients({
      region: input.settings.region,
      profile: input.settings.profile,
    });
    const result = await deployStack(input, clients, undefined, prompt);

    const resultFile = join(layerOutputDir(projectRoot), DEPLOY_RESULT_FILE);
    await writeJsonFile(join(context.root, resultFile), result);
    logger.info(`deploy result in ${resultFile}`);
    return { success: result.success };
  } catch (error) {
    logger.error(`deploy failed for ${projectRoot}: ${describeFailure(error)}`);
    return { success: false };
  }
}
