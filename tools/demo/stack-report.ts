import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/** Status of one deployed stack and the values of its SSM-typed layer parameters. */
export interface StackLayerReport {
  stackName: string;
  status: string;
  /** Parameter key -> resolved value, for parameters that hold a layer ARN. */
  layerArns: Record<string, string>;
}

/**
 * Reads each stack's status and resolved layer parameters. Real
 * CloudFormation returns the resolved SSM value in `ResolvedValue`; the
 * local emulator puts it in `ParameterValue`, so both are read.
 */
export async function readStackLayers(
  stackNames: string[],
  region: string,
): Promise<StackLayerReport[]> {
  const cloudFormation = new CloudFormationClient({ region });
  const reports: StackLayerReport[] = [];
  for (const stackName of stackNames) {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    const stack = Stacks?.[0];
    const layerArns: Record<string, string> = {};
    for (const parameter of stack?.Parameters ?? []) {
      const value = parameter.ResolvedValue ?? parameter.ParameterValue ?? '';
      if (value.includes(':layer:')) {
        layerArns[parameter.ParameterKey ?? ''] = value;
      }
    }
    reports.push({ stackName, status: stack?.StackStatus ?? '', layerArns });
  }
  return reports;
}

/** Reads one SSM parameter's value. */
export async function readParameter(
  name: string,
  region: string,
): Promise<string> {
  const ssm = new SSMClient({ region });
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
  return Parameter?.Value ?? '';
}
