import { paginateListStackResources } from '@aws-sdk/client-cloudformation';
import {
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import type { LayerConfig } from '../layer-config';
import { replaceLayerVersions } from './layer-list';

/** Input of `hotswapLayers`: the stack, the new versions, the functions. */
export interface HotswapInput {
  /** Stack whose `AWS::Lambda::Function` resources are updated. */
  stackName: string;
  /** New layer version ARNs, at most one per layer. */
  layerVersionArns: string[];
  /**
   * Function names or ARNs to update instead of the stack's functions.
   * @default the physical IDs of the stack's `AWS::Lambda::Function` resources
   */
  functionNames?: string[];
  /** Maximum wait for one function's update to finish, in seconds. @default 300 */
  maxWaitSeconds?: number;
}

/** The layer list of one function before and after the swap. */
export interface FunctionLayerSwap {
  functionName: string;
  before: string[];
  after: string[];
  /** False when the function uses none of the layers or has them already. */
  updated: boolean;
}

type HotswapClients = Pick<AwsClients, 'lambda' | 'cloudFormation'>;

/**
 * Replaces the layer versions in each function's configuration directly,
 * with UpdateFunctionConfiguration (as `sam sync` does), and waits until
 * each update has finished. The stack's template still names the old
 * versions, so the stack drifts from it until the next full deploy.
 */
export async function hotswapLayers(
  input: HotswapInput,
  clients: HotswapClients,
): Promise<FunctionLayerSwap[]> {
  const functionNames =
    input.functionNames ?? (await listStackFunctions(input.stackName, clients));
  if (functionNames.length === 0) {
    logger.warn(`stack ${input.stackName} has no Lambda functions to update`);
  }

  const swaps: FunctionLayerSwap[] = [];
  for (const functionName of functionNames) {
    swaps.push(await swapFunctionLayers(functionName, input, clients));
  }

  if (swaps.some((swap) => swap.updated)) {
    logger.warn(
      `stack ${input.stackName} now drifts from its template: its functions ` +
        'use layer versions that the template does not name, until the next ' +
        'full deploy',
    );
  }
  return swaps;
}

/** Returns the physical IDs (function names) of a stack's functions. */
export async function listStackFunctions(
  stackName: string,
  clients: HotswapClients,
): Promise<string[]> {
  const names: string[] = [];
  const pages = paginateListStackResources(
    { client: clients.cloudFormation },
    { StackName: stackName },
  );
  for await (const page of pages) {
    for (const resource of page.StackResourceSummaries ?? []) {
      if (
        resource.ResourceType === 'AWS::Lambda::Function' &&
        resource.PhysicalResourceId
      ) {
        names.push(resource.PhysicalResourceId);
      }
    }
  }
  return names;
}

async function swapFunctionLayers(
  functionName: string,
  input: HotswapInput,
  clients: HotswapClients,
): Promise<FunctionLayerSwap> {
  const configuration = await clients.lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName }),
  );
  const before = (configuration.Layers ?? []).map((layer) => layer.Arn ?? '');
  const after = replaceLayerVersions(before, input.layerVersionArns);
  const updated = after.some((arn, index) => arn !== before[index]);
  if (!updated) {
    logger.info(
      `${functionName}: layers unchanged (${describeLayers(before)})`,
    );
    return { functionName, before, after, updated };
  }

  logger.info(`${functionName}: updating layers to ${describeLayers(after)}`);
  await clients.lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: functionName,
      Layers: after,
    }),
  );
  await waitUntilFunctionUpdatedV2(
    { client: clients.lambda, maxWaitTime: input.maxWaitSeconds ?? 300 },
    { FunctionName: functionName },
  );
  return { functionName, before, after, updated };
}

/** Lists layers as `name:version`, the part of each ARN after `:layer:`. */
function describeLayers(arns: string[]): string {
  return arns.length === 0
    ? 'no layers'
    : arns.map((arn) => arn.split(':layer:')[1] ?? arn).join(', ');
}

/**
 * Reads the newest version ARN of each layer from its SSM parameter, where
 * `publish-layer` records it.
 */
export async function readLayerVersionArns(
  layers: LayerConfig[],
  clients: Pick<AwsClients, 'ssm'>,
): Promise<string[]> {
  const arns: string[] = [];
  for (const layer of layers) {
    const { Parameter } = await clients.ssm.send(
      new GetParameterCommand({ Name: layer.ssmParameter }),
    );
    if (!Parameter?.Value) {
      throw new Error(
        `SSM parameter ${layer.ssmParameter} of layer ${layer.layerName} ` +
          'has no value; publish the layer first',
      );
    }
    arns.push(Parameter.Value);
  }
  return arns;
}
