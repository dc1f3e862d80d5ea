import {
  GetParameterCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';
import { sendWrite, type WriteGate } from './calls';

/**
 * Writes the version ARN to the SSM parameter unless it already contains it.
 * Each PutParameter adds a parameter version to its history, so an
 * unchanged publish writes nothing. Returns whether it wrote.
 */
export async function writeVersionParameter(
  ssm: SSMClient,
  name: string,
  layerVersionArn: string,
  layerName: string,
  gate: WriteGate,
): Promise<boolean> {
  const current = await readParameter(ssm, name);
  if (current === layerVersionArn) {
    logger.info(
      `SSM parameter ${name} already contains ${layerVersionArn}; not ` +
        'writing it, so its history gets no new version',
    );
    return false;
  }
  const command = new PutParameterCommand({
    Name: name,
    Value: layerVersionArn,
    Type: 'String',
    Overwrite: true,
    Description: `Version ARN of Lambda layer ${layerName}, written by publish-layer`,
  });
  await sendWrite(ssm, command, gate);
  if (!gate.dryRun) {
    const was = current === undefined ? 'new parameter' : `was ${current}`;
    logger.info(`SSM parameter ${name} = ${layerVersionArn} (${was})`);
  }
  return !gate.dryRun;
}

/** Returns the parameter's value, or undefined when it does not exist. */
async function readParameter(
  ssm: SSMClient,
  name: string,
): Promise<string | undefined> {
  try {
    const output = await ssm.send(new GetParameterCommand({ Name: name }));
    return output.Parameter?.Value;
  } catch (error) {
    if (isAwsServiceError(error) && error.name === 'ParameterNotFound') {
      return undefined;
    }
    throw error;
  }
}
