import type { Stack } from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import type { ResolvedParameter } from './template-body';

/** An SSM-typed parameter's value in the stack now and in the change set. */
export interface ParameterChange {
  /** Template parameter name. */
  name: string;
  /** SSM parameter name. */
  parameter: string;
  /** Value the stack resolved it to; undefined for a new stack. */
  before?: string;
  /** Value read from SSM for this deploy. */
  after: string;
}

/**
 * Pairs each resolved SSM-typed parameter with the value the stack has now.
 * Real CloudFormation reports that value as `ResolvedValue` and keeps the
 * SSM name in `ParameterValue`. moto 5.2.1 puts the value in
 * `ParameterValue`, so `ResolvedValue` is read first.
 */
export function ssmParameterChanges(
  stack: Stack | undefined,
  resolved: Record<string, ResolvedParameter>,
): ParameterChange[] {
  const deployed = stack?.StackStatus !== 'REVIEW_IN_PROGRESS';
  return Object.entries(resolved).map(([name, { Parameter, Value }]) => {
    const entry = deployed
      ? stack?.Parameters?.find((item) => item.ParameterKey === name)
      : undefined;
    return {
      name,
      parameter: Parameter,
      before: entry?.ResolvedValue ?? entry?.ParameterValue,
      after: Value,
    };
  });
}

/**
 * Formats a change as `before -> after`, with the colon-separated fields
 * that both values share dropped from `after`, so a layer version change
 * reads `arn:aws:lambda:...:layer:sosw:7 -> :sosw:8`.
 */
export function formatParameterChange(change: ParameterChange): string {
  const label = `${change.name} (${change.parameter})`;
  if (change.before === undefined) {
    return `${label}: (new) -> ${change.after}`;
  }
  if (change.before === change.after) {
    return `${label}: ${change.after} (unchanged)`;
  }
  return `${label}: ${change.before} -> ${differingTail(
    change.before,
    change.after,
  )}`;
}

/** Logs every SSM-typed parameter with its value before and after. */
export function logParameterChanges(changes: ParameterChange[]): void {
  if (changes.length === 0) {
    return;
  }
  logger.info('SSM-typed parameters:');
  for (const change of changes) {
    logger.info(`  ${formatParameterChange(change)}`);
  }
}

/**
 * Returns `after` from the first colon-separated field where it differs
 * from `before`, keeping at least its last two fields (layer name and
 * version of a layer version ARN), with a leading colon when shortened.
 */
function differingTail(before: string, after: string): string {
  const beforeFields = before.split(':');
  const afterFields = after.split(':');
  let shared = 0;
  while (
    shared < afterFields.length - 2 &&
    beforeFields[shared] === afterFields[shared]
  ) {
    shared++;
  }
  return shared === 0 ? after : `:${afterFields.slice(shared).join(':')}`;
}
