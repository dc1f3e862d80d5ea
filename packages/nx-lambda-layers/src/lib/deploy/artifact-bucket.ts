import {
  type CloudFormationClient,
  DescribeStackResourceCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import { createChangeSet, describeStack, executeChangeSet } from './change-set';
import { followStackEvents, isFinalStatus, recentEventIds } from './events';
import { type PollTiming, pollUntil, STACK_POLL } from './poll';
import { deleteEmptyStack } from './stack-state';

/**
 * Stack that owns the `resolveS3` artifact bucket of one account and
 * region, like SAM CLI's `aws-sam-cli-managed-default`.
 */
export const MANAGED_STACK_NAME = 'nx-lambda-layers-managed';

/**
 * Time a `REVIEW_IN_PROGRESS` managed stack gets to start its creation, in
 * ms. Another deploy that has just created its change set executes it
 * within seconds.
 */
export const PENDING_CREATE_MS = 60_000;

/** Logical id of the bucket in the managed stack. */
const BUCKET_LOGICAL_ID = 'ArtifactsBucket';

/** Stack statuses in which the managed stack's bucket can be used. */
const USABLE_STATUSES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

/**
 * Template of the managed stack: a private, encrypted, versioned bucket
 * that rejects requests without TLS and outlives the stack, as SAM CLI's
 * managed bucket does. CloudFormation names the bucket.
 */
export const MANAGED_STACK_TEMPLATE = JSON.stringify(
  {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'Bucket for code and templates that the nx-lambda-layers deploy ' +
      'executor uploads when resolveS3 is set',
    Resources: {
      [BUCKET_LOGICAL_ID]: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          Tags: [{ Key: 'ManagedStackSource', Value: 'NxLambdaLayers' }],
        },
      },
      ArtifactsBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: BUCKET_LOGICAL_ID },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [
                  { 'Fn::GetAtt': [BUCKET_LOGICAL_ID, 'Arn'] },
                  { 'Fn::Sub': `\${${BUCKET_LOGICAL_ID}.Arn}/*` },
                ],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },
    },
    Outputs: {
      SourceBucket: { Value: { Ref: BUCKET_LOGICAL_ID } },
    },
  },
  null,
  2,
);

/**
 * Returns the artifact bucket of the managed stack, creating the stack with
 * a change set when it does not exist. A stack that another deploy is
 * creating or updating is waited for and reused. A stack that stays
 * `REVIEW_IN_PROGRESS` (only change sets, no resources) for
 * `pendingCreateMs` is taken as left over by an interrupted deploy, and is
 * deleted and created again.
 */
export async function ensureArtifactBucket(
  cloudFormation: CloudFormationClient,
  timing: PollTiming = STACK_POLL,
  pendingCreateMs = PENDING_CREATE_MS,
): Promise<string> {
  let stack = await describeStack(cloudFormation, MANAGED_STACK_NAME);
  if (stack?.StackStatus === 'REVIEW_IN_PROGRESS') {
    stack = await waitForPendingCreate(cloudFormation, pendingCreateMs);
  }
  stack = await deleteEmptyStack(cloudFormation, stack, false, timing);
  if (stack) {
    stack = await waitUntilFinal(cloudFormation, timing);
  } else {
    stack = await createManagedStack(cloudFormation, timing);
  }

  const status = String(stack?.StackStatus);
  if (!USABLE_STATUSES.has(status)) {
    throw new Error(
      `stack ${MANAGED_STACK_NAME}, which contains the resolveS3 artifact ` +
        `bucket, is ${status}; delete it (aws cloudformation delete-stack ` +
        `--stack-name ${MANAGED_STACK_NAME}) and deploy again, or set ` +
        '`s3_bucket` in samconfig.toml or the `s3Bucket` option',
    );
  }
  return bucketOf(cloudFormation, stack as Stack);
}

/**
 * Creates the managed stack and returns it when done. When another deploy
 * creates it at the same time, one of the two requests fails. The deploy
 * whose request failed waits for the stack and returns it.
 */
async function createManagedStack(
  cloudFormation: CloudFormationClient,
  timing: PollTiming,
): Promise<Stack | undefined> {
  logger.info(
    `creating stack ${MANAGED_STACK_NAME} for the artifact bucket (resolveS3)`,
  );
  let stackName = MANAGED_STACK_NAME;
  try {
    const outcome = await createChangeSet(
      cloudFormation,
      {
        stackName: MANAGED_STACK_NAME,
        type: 'CREATE',
        templateBody: MANAGED_STACK_TEMPLATE,
        parameters: [],
        capabilities: [],
        tags: { ManagedStackSource: 'NxLambdaLayers' },
        notificationArns: [],
      },
      timing,
    );
    if (outcome.kind === 'ready') {
      stackName = outcome.stackId;
      const seen = await recentEventIds(cloudFormation, outcome.stackId);
      await executeChangeSet(cloudFormation, outcome.changeSetId);
      await followStackEvents(cloudFormation, outcome.stackId, seen, timing);
    }
  } catch (error) {
    const stack = await waitUntilFinal(cloudFormation, timing);
    if (!USABLE_STATUSES.has(String(stack?.StackStatus))) {
      throw error;
    }
    logger.info(`stack ${MANAGED_STACK_NAME} was created by another deploy`);
    return stack;
  }
  return describeStack(cloudFormation, stackName);
}

/** Returns the stack once it leaves REVIEW_IN_PROGRESS or `waitMs` ends. */
async function waitForPendingCreate(
  cloudFormation: CloudFormationClient,
  waitMs: number,
): Promise<Stack | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const stack = await describeStack(cloudFormation, MANAGED_STACK_NAME);
    if (stack?.StackStatus !== 'REVIEW_IN_PROGRESS' || Date.now() >= deadline) {
      return stack;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function waitUntilFinal(
  cloudFormation: CloudFormationClient,
  timing: PollTiming,
): Promise<Stack | undefined> {
  let status = 'unknown';
  const stack = await pollUntil(
    async () => {
      const current = await describeStack(cloudFormation, MANAGED_STACK_NAME);
      status = String(current?.StackStatus ?? 'NOT_FOUND');
      const busy = current !== undefined && !isFinalStatus(status);
      return busy ? undefined : { current };
    },
    timing,
    () =>
      `stack ${MANAGED_STACK_NAME} is still ${status} after ` +
      `${timing.timeoutMs} ms; check it in the CloudFormation console`,
  );
  return stack.current;
}

/**
 * Returns the bucket name from the `SourceBucket` output, else from the
 * bucket resource: moto 5.2.1 fills Outputs only after CreateStack or
 * UpdateStack, not after a change set.
 */
async function bucketOf(
  cloudFormation: CloudFormationClient,
  stack: Stack,
): Promise<string> {
  const output = stack.Outputs?.find(
    (item) => item.OutputKey === 'SourceBucket',
  );
  if (output?.OutputValue) {
    return output.OutputValue;
  }
  const resource = await cloudFormation.send(
    new DescribeStackResourceCommand({
      StackName: stack.StackId ?? MANAGED_STACK_NAME,
      LogicalResourceId: BUCKET_LOGICAL_ID,
    }),
  );
  const bucket = resource.StackResourceDetail?.PhysicalResourceId;
  if (!bucket) {
    throw new Error(
      `stack ${MANAGED_STACK_NAME} has no ${BUCKET_LOGICAL_ID}; delete the ` +
        'stack and deploy again',
    );
  }
  return bucket;
}
