import {
  type CloudFormationClient,
  DeleteStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import { changeSetTypeFor, describeStack } from './change-set';
import { type PollTiming, pollUntil } from './poll';

/**
 * Throws when the stack cannot take a change set now (see
 * `changeSetTypeFor`), except for a `ROLLBACK_COMPLETE` stack when
 * `replaceFailedStack` is set, which `replaceRolledBackStack` deletes.
 */
export function checkStackDeployable(
  stack: Stack | undefined,
  stackName: string,
  replaceFailedStack: boolean,
): void {
  if (replaceFailedStack && stack?.StackStatus === 'ROLLBACK_COMPLETE') {
    return;
  }
  changeSetTypeFor(stack, stackName);
}

/**
 * Deletes a stack that has no resources, so that a CREATE change set can
 * make it again, and waits until the deletion ends:
 * - `REVIEW_IN_PROGRESS`: only change sets of a create that never ran,
 *   such as one left by `noExecuteChangeset` or an interrupted deploy;
 * - `ROLLBACK_COMPLETE` when `replaceFailedStack` is set: its creation
 *   failed, and it cannot be updated.
 * Returns undefined (no stack) after a deletion, else the stack unchanged.
 * The stack is deleted by its id, so a newer stack of the same name is
 * never touched.
 */
export async function deleteEmptyStack(
  cloudFormation: CloudFormationClient,
  stack: Stack | undefined,
  replaceFailedStack: boolean,
  timing: PollTiming,
): Promise<Stack | undefined> {
  const status = stack?.StackStatus;
  if (status === 'REVIEW_IN_PROGRESS') {
    logger.info(
      `stack ${stack?.StackName} is REVIEW_IN_PROGRESS: it contains only ` +
        'change sets of a create that never ran; deleting them to create it',
    );
  } else if (status === 'ROLLBACK_COMPLETE' && replaceFailedStack) {
    logger.info(
      `stack ${stack?.StackName} is ROLLBACK_COMPLETE: deleting it to ` +
        'create it again (replaceFailedStack)',
    );
  } else {
    return stack;
  }
  await deleteStackAndWait(cloudFormation, stack as Stack, timing);
  return undefined;
}

async function deleteStackAndWait(
  cloudFormation: CloudFormationClient,
  stack: Stack,
  timing: PollTiming,
): Promise<void> {
  const stackId = String(stack.StackId);
  await cloudFormation.send(new DeleteStackCommand({ StackName: stackId }));

  let status = 'DELETE_IN_PROGRESS';
  await pollUntil(
    async () => {
      // A deleted stack is found by its id, and no longer by its name.
      const current = await describeStack(cloudFormation, stackId);
      status = String(current?.StackStatus ?? 'DELETE_COMPLETE');
      return status.endsWith('_IN_PROGRESS') ? undefined : status;
    },
    timing,
    () =>
      `deleting stack ${stack.StackName} timed out after ` +
      `${timing.timeoutMs} ms in status ${status}`,
  );
  if (status !== 'DELETE_COMPLETE') {
    throw new Error(
      `deleting stack ${stack.StackName} ended in ${status}; check its ` +
        'events in the CloudFormation console and delete it by hand',
    );
  }
  logger.info(`stack ${stack.StackName} deleted`);
}
