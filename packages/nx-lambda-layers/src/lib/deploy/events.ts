import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import { describeStack } from './change-set';
import { type PollTiming, pollUntil, STACK_POLL } from './poll';

/** A resource that failed during the stack operation. */
export interface FailedResource {
  logicalId: string;
  resourceType: string;
  status: string;
  reason: string;
}

/** Final status of a stack operation and the resources that failed. */
export interface StackOperationResult {
  status: string;
  failures: FailedResource[];
}

/** Final stack statuses of a successful create or update. */
const SUCCESS_STATUSES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'IMPORT_COMPLETE',
]);

export function isSuccessStatus(status: string): boolean {
  return SUCCESS_STATUSES.has(status);
}

/**
 * True once the stack is no longer changing. `REVIEW_IN_PROGRESS` counts as
 * changing, because a stack created by a change set stays there until the
 * execution starts.
 */
export function isFinalStatus(status: string): boolean {
  return !status.endsWith('_IN_PROGRESS');
}

/**
 * Returns the ids of the stack's newest events (its first page), so that
 * `followStackEvents` prints only what happens after this call.
 */
export async function recentEventIds(
  cloudFormation: CloudFormationClient,
  stackId: string,
): Promise<Set<string>> {
  const page = await cloudFormation.send(
    new DescribeStackEventsCommand({ StackName: stackId }),
  );
  return new Set(
    (page.StackEvents ?? []).map((event) => String(event.EventId)),
  );
}

/**
 * Polls the stack until its status is final, printing each new event
 * (time, status, logical id, reason) oldest first. Returns the final status
 * and the resources that failed.
 */
export async function followStackEvents(
  cloudFormation: CloudFormationClient,
  stackId: string,
  seen: Set<string>,
  timing: PollTiming = STACK_POLL,
): Promise<StackOperationResult> {
  const failures: FailedResource[] = [];
  const report = async () => {
    for (const event of await newEvents(cloudFormation, stackId, seen)) {
      logger.info(formatEvent(event));
      if (isResourceFailure(event)) {
        failures.push(toFailedResource(event));
      }
    }
  };

  let status = 'unknown';
  await pollUntil(
    async () => {
      await report();
      status = String(
        (await describeStack(cloudFormation, stackId))?.StackStatus,
      );
      return isFinalStatus(status) ? status : undefined;
    },
    timing,
    () =>
      `stack ${stackId} is still ${status} after ${timing.timeoutMs} ms; ` +
      'follow it in the CloudFormation console',
  );
  // Events written between the last listing and the final status.
  await report();
  return { status, failures };
}

/** Formats one event as `time  status  logical id  reason`. */
export function formatEvent(event: StackEvent): string {
  const time = event.Timestamp?.toISOString() ?? '';
  const reason = event.ResourceStatusReason ?? '';
  return [time, event.ResourceStatus, event.LogicalResourceId, reason]
    .join('  ')
    .trimEnd();
}

/** Returns the events not in `seen`, oldest first, and adds them to it. */
async function newEvents(
  cloudFormation: CloudFormationClient,
  stackId: string,
  seen: Set<string>,
): Promise<StackEvent[]> {
  const found: StackEvent[] = [];
  let nextToken: string | undefined;
  // Events come newest first, so paging stops at the first one seen before.
  do {
    const page = await cloudFormation.send(
      new DescribeStackEventsCommand({
        StackName: stackId,
        NextToken: nextToken,
      }),
    );
    const events = page.StackEvents ?? [];
    const firstSeen = events.findIndex((event) =>
      seen.has(String(event.EventId)),
    );
    found.push(...(firstSeen < 0 ? events : events.slice(0, firstSeen)));
    nextToken = firstSeen < 0 ? page.NextToken : undefined;
  } while (nextToken);

  for (const event of found) seen.add(String(event.EventId));
  return found.reverse();
}

/**
 * True for an event of a failed resource. Events of the stack itself, such
 * as its final CREATE_FAILED, do not count.
 */
function isResourceFailure(event: StackEvent): boolean {
  const isStackItself = event.PhysicalResourceId === event.StackId;
  return !isStackItself && String(event.ResourceStatus).endsWith('_FAILED');
}

function toFailedResource(event: StackEvent): FailedResource {
  return {
    logicalId: String(event.LogicalResourceId),
    resourceType: String(event.ResourceType),
    status: String(event.ResourceStatus),
    reason: event.ResourceStatusReason ?? 'no reason given',
  };
}
