import type { Stack } from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import { formatChangesTable, type ResourceChangeRow } from './change-set';
import type { FailedResource } from './events';
import type { ParameterChange } from './parameter-changes';
import type { ResolvedParameter } from './template-body';

/** File name of deploy's result, in `dist/<projectRoot>`. */
export const DEPLOY_RESULT_FILE = 'deploy-result.json';

/** Contents of `deploy-result.json`. */
export interface DeployResult {
  stackName: string;
  region: string;
  /** Final stack status, or the status before the change set when none ran. */
  status: string;
  success: boolean;
  /** `CREATE` or `UPDATE`. */
  changeSetType: string;
  /** True when the change set was empty, so nothing was deployed. */
  noChanges: boolean;
  /** True when the change set was executed. */
  executed: boolean;
  changes: ResourceChangeRow[];
  /** SSM-typed parameters with the stack's value before and the new one. */
  parameterChanges: ParameterChange[];
  failedResources: FailedResource[];
  /**
   * SSM-typed parameters by template parameter name: the SSM name and the
   * value the stack resolved it to.
   */
  resolvedParameters: Record<string, ResolvedParameter>;
  outputs: Record<string, string>;
}

/** Logs the change set as a table. */
export function logChanges(changes: ResourceChangeRow[]): void {
  if (changes.length === 0) {
    logger.info('change set: no resource changes listed');
    return;
  }
  logger.info(`change set: ${changes.length} resource change(s)`);
  for (const line of formatChangesTable(changes)) {
    logger.info(`  ${line}`);
  }
}

/** Logs each failed resource with its reason. */
export function logFailures(failures: FailedResource[]): void {
  if (failures.length === 0) {
    return;
  }
  logger.error('failed resources:');
  for (const failure of failures) {
    logger.error(
      `  ${failure.logicalId} (${failure.resourceType}) ${failure.status}: ` +
        failure.reason,
    );
  }
}

/**
 * Returns the value the stack resolved each SSM-typed parameter to: real
 * CloudFormation reports it as `ResolvedValue` and keeps the SSM name in
 * `ParameterValue`, while moto 5.2.1 puts the value in `ParameterValue`.
 */
export function stackResolvedParameters(
  stack: Stack | undefined,
  requested: Record<string, ResolvedParameter>,
): Record<string, ResolvedParameter> {
  const result: Record<string, ResolvedParameter> = {};
  for (const [name, { Parameter }] of Object.entries(requested)) {
    const entry = stack?.Parameters?.find((item) => item.ParameterKey === name);
    const value = entry?.ResolvedValue ?? entry?.ParameterValue ?? '';
    result[name] = { Parameter, Value: value };
  }
  return result;
}

/** Returns the stack outputs by key. */
export function stackOutputs(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries(
    (stack?.Outputs ?? []).map((output) => [
      String(output.OutputKey),
      String(output.OutputValue),
    ]),
  );
}

/** Logs the outputs and the resolved SSM-typed parameters of the stack. */
export function logStackSummary(result: DeployResult): void {
  for (const [key, value] of Object.entries(result.outputs)) {
    logger.info(`output ${key} = ${value}`);
  }
  for (const [name, resolved] of Object.entries(result.resolvedParameters)) {
    logger.info(
      `parameter ${name} (${resolved.Parameter}) resolved to ${resolved.Value}`,
    );
  }
}
