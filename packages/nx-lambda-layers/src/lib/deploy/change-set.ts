import {
  type Capability,
  type Change,
  type ChangeSetType,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { isAwsServiceError } from '../aws/errors';
import { CHANGE_SET_POLL, type PollTiming, pollUntil } from './poll';

/** Input of CreateChangeSet, apart from the change set name. */
export interface ChangeSetRequest {
  stackName: string;
  type: ChangeSetType;
  /** Exactly one of `templateBody` and `templateUrl`. */
  templateBody?: string;
  templateUrl?: string;
  parameters: Parameter[];
  capabilities: string[];
  tags: Record<string, string>;
  roleArn?: string;
  notificationArns: string[];
}

/** One row of the change set table. */
export interface ResourceChangeRow {
  action: string;
  logicalId: string;
  resourceType: string;
  /** `True`, `False` or `Conditional`; empty for additions and removals. */
  replacement: string;
}

export type ChangeSetOutcome =
  | { kind: 'noChanges'; reason: string }
  | {
      kind: 'ready';
      changeSetId: string;
      stackId: string;
      changes: ResourceChangeRow[];
    };

/** Texts CloudFormation uses when a change set would change nothing. */
const NO_CHANGES_REASONS = [
  "didn't contain changes",
  'No updates are to be performed',
];

/** Returns the stack, or undefined when no stack has that name. */
export async function describeStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const output = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    return output.Stacks?.[0];
  } catch (error) {
    const missing =
      isAwsServiceError(error) &&
      error.name === 'ValidationError' &&
      error.message.includes('does not exist');
    if (missing) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Chooses CREATE for a missing stack or one that only has change sets
 * (`REVIEW_IN_PROGRESS`), and UPDATE otherwise. Throws for a stack that
 * cannot be updated now.
 */
export function changeSetTypeFor(
  stack: Stack | undefined,
  stackName: string,
): ChangeSetType {
  const status = stack?.StackStatus;
  if (status === undefined || status === 'REVIEW_IN_PROGRESS') {
    return 'CREATE';
  }
  if (status === 'ROLLBACK_COMPLETE') {
    throw new Error(
      `stack ${stackName} is ROLLBACK_COMPLETE: its creation failed and it ` +
        'cannot be updated. Delete it first (aws cloudformation ' +
        `delete-stack --stack-name ${stackName}), then deploy again, or ` +
        'deploy with the `replaceFailedStack` option to delete and create it',
    );
  }
  if (status.endsWith('_IN_PROGRESS')) {
    throw new Error(
      `stack ${stackName} is busy (${status}); wait until the running ` +
        'operation ends, then deploy again',
    );
  }
  return 'UPDATE';
}

/**
 * Creates a change set and waits until it is ready. An empty change set is
 * deleted and returned as `noChanges`, as is CloudFormation's "No updates
 * are to be performed" ValidationError from CreateChangeSet itself.
 */
export async function createChangeSet(
  cloudFormation: CloudFormationClient,
  request: ChangeSetRequest,
  timing: PollTiming = CHANGE_SET_POLL,
): Promise<ChangeSetOutcome> {
  let created: { Id?: string; StackId?: string };
  try {
    created = await cloudFormation.send(
      new CreateChangeSetCommand(createInput(request)),
    );
  } catch (error) {
    if (isAwsServiceError(error) && isNoChangesReason(error.message)) {
      return { kind: 'noChanges', reason: error.message };
    }
    if (
      isAwsServiceError(error) &&
      error.name === 'InsufficientCapabilitiesException'
    ) {
      throw new Error(
        `change set of stack ${request.stackName} was rejected: ` +
          `${error.message}; add the capabilities named to the ` +
          '`capabilities` option or to `capabilities` in samconfig.toml',
      );
    }
    throw error;
  }
  const changeSetId = String(created.Id);

  const ready = await waitForChangeSet(cloudFormation, changeSetId, timing);
  if (ready.Status === 'FAILED') {
    const reason = ready.StatusReason ?? 'no reason given';
    if (!isNoChangesReason(reason)) {
      throw new Error(
        `change set ${changeSetId} of stack ${request.stackName} failed: ` +
          `${reason}`,
      );
    }
    await cloudFormation.send(
      new DeleteChangeSetCommand({ ChangeSetName: changeSetId }),
    );
    return { kind: 'noChanges', reason };
  }

  return {
    kind: 'ready',
    changeSetId,
    stackId: String(created.StackId ?? ready.StackId),
    changes: await listChanges(cloudFormation, changeSetId, ready),
  };
}

/** Starts the change set; the caller follows the stack events. */
export async function executeChangeSet(
  cloudFormation: CloudFormationClient,
  changeSetId: string,
): Promise<void> {
  await cloudFormation.send(
    new ExecuteChangeSetCommand({ ChangeSetName: changeSetId }),
  );
}

/** Formats the changes as an aligned table with a header row. */
export function formatChangesTable(changes: ResourceChangeRow[]): string[] {
  const rows = [
    ['Action', 'Logical ID', 'Type', 'Replacement'],
    ...changes.map((change) => [
      change.action,
      change.logicalId,
      change.resourceType,
      change.replacement,
    ]),
  ];
  const widths = rows[0].map((_, column) =>
    Math.max(...rows.map((row) => row[column].length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  );
}

export function isNoChangesReason(reason: string): boolean {
  return NO_CHANGES_REASONS.some((text) => reason.includes(text));
}

function createInput(request: ChangeSetRequest) {
  return {
    StackName: request.stackName,
    ChangeSetName: `nx-deploy-${Date.now()}`,
    ChangeSetType: request.type,
    TemplateBody: request.templateBody,
    TemplateURL: request.templateUrl,
    Parameters: request.parameters,
    Capabilities: request.capabilities as Capability[],
    Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
    RoleARN: request.roleArn,
    NotificationARNs: request.notificationArns,
    Description: 'Created by the nx-lambda-layers deploy executor',
  };
}

async function waitForChangeSet(
  cloudFormation: CloudFormationClient,
  changeSetId: string,
  timing: PollTiming,
): Promise<DescribeChangeSetCommandOutput> {
  let status = 'unknown';
  return pollUntil(
    async () => {
      const output = await cloudFormation.send(
        new DescribeChangeSetCommand({ ChangeSetName: changeSetId }),
      );
      status = String(output.Status);
      const done = status === 'CREATE_COMPLETE' || status === 'FAILED';
      return done ? output : undefined;
    },
    timing,
    () =>
      `change set ${changeSetId} timed out after ${timing.timeoutMs} ms ` +
      `in status ${status}; check it in the CloudFormation console`,
  );
}

/** Collects the changes of every page of DescribeChangeSet. */
async function listChanges(
  cloudFormation: CloudFormationClient,
  changeSetId: string,
  firstPage: DescribeChangeSetCommandOutput,
): Promise<ResourceChangeRow[]> {
  const changes: Change[] = [...(firstPage.Changes ?? [])];
  let nextToken = firstPage.NextToken;
  while (nextToken) {
    const page = await cloudFormation.send(
      new DescribeChangeSetCommand({
        ChangeSetName: changeSetId,
        NextToken: nextToken,
      }),
    );
    changes.push(...(page.Changes ?? []));
    nextToken = page.NextToken;
  }
  return changes.map(({ ResourceChange: change }) => ({
    action: String(change?.Action ?? ''),
    logicalId: String(change?.LogicalResourceId ?? ''),
    resourceType: String(change?.ResourceType ?? ''),
    replacement: String(change?.Replacement ?? ''),
  }));
}
