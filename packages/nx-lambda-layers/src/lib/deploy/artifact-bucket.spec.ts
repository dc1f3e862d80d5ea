import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  captureLogs,
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  ensureArtifactBucket,
  MANAGED_STACK_NAME,
  MANAGED_STACK_TEMPLATE,
} from './artifact-bucket';

useEmulator();
const logs = captureLogs();

const FAST = { initialIntervalMs: 10, maxIntervalMs: 100, timeoutMs: 10_000 };

async function managedStacks() {
  const output = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({}),
  );
  return (output.Stacks ?? []).filter(
    (stack) => stack.StackName === MANAGED_STACK_NAME,
  );
}

// In order against one emulator: the first test finds no managed stack.
// NOTE: two deploys that create the stack at the same moment are not
// tested: moto 5.2.1 then creates two stacks of one name, where real
// CloudFormation fails the second ExecuteChangeSet, which
// ensureArtifactBucket answers by waiting for the first.
describe('ensureArtifactBucket', () => {
  let bucket: string;

  it('pending change set of another deploy', async () => {
    // Another deploy has created its CREATE change set and not executed it
    // yet, so the stack is REVIEW_IN_PROGRESS.
    const other = new CloudFormationClient({});
    await other.send(
      new CreateChangeSetCommand({
        StackName: MANAGED_STACK_NAME,
        ChangeSetName: 'other-deploy',
        ChangeSetType: 'CREATE',
        TemplateBody: MANAGED_STACK_TEMPLATE,
      }),
    );
    const cloudFormation = new CloudFormationClient({});
    const sent = recordCommands(cloudFormation);

    bucket = await ensureArtifactBucket(cloudFormation, FAST);

    expect(sent).toContain('CreateChangeSetCommand');
    expect(sent).toContain('ExecuteChangeSetCommand');
    expect(sent).not.toContain('CreateStackCommand');
    expect(sent).toContain('DeleteStackCommand');
    const stacks = await managedStacks();
    expect(stacks.map((stack) => stack.StackStatus)).toEqual([
      'CREATE_COMPLETE',
    ]);
    expect(logs.join('\n')).toContain(
      `creating stack ${MANAGED_STACK_NAME} for the artifact bucket`,
    );
  });

  it('bucket exists', async () => {
    // moto 5.2.1 ignores the bucket's VersioningConfiguration and
    // encryption, which real CloudFormation applies; the next test checks
    // them in the template sent.
    await new S3Client({ forcePathStyle: true }).send(
      new HeadBucketCommand({ Bucket: bucket }),
    );
    expect(bucket).toMatch(/^nx-lambda-layers-managed-/i);
  });

  it('stack template denies plain HTTP', async () => {
    const output = await new CloudFormationClient({}).send(
      new GetTemplateCommand({ StackName: MANAGED_STACK_NAME }),
    );

    expect(output.TemplateBody).toContain('"aws:SecureTransport": "false"');
    expect(output.TemplateBody).toContain('"DeletionPolicy": "Retain"');
    expect(output.TemplateBody).toContain('"SSEAlgorithm": "AES256"');
  });

  it('existing stack is reused', async () => {
    const cloudFormation = new CloudFormationClient({});
    const sent = recordCommands(cloudFormation);

    expect(await ensureArtifactBucket(cloudFormation, FAST)).toBe(bucket);
    expect(sent).not.toContain('CreateChangeSetCommand');
  });

  it('failed stack says to delete it', async () => {
    const cloudFormation = new CloudFormationClient({});
    // Fault injected: moto 5.2.1 never rolls a stack back, so DescribeStacks
    // is made to report ROLLBACK_COMPLETE, as real CloudFormation does after
    // a failed create.
    const send = cloudFormation.send.bind(cloudFormation);
    cloudFormation.send = (async (command: object) => {
      const output = (await send(command as never)) as {
        Stacks?: Array<{ StackStatus?: string }>;
      };
      if (command instanceof DescribeStacksCommand) {
        for (const stack of output.Stacks ?? []) {
          stack.StackStatus = 'ROLLBACK_COMPLETE';
        }
      }
      return output;
    }) as typeof cloudFormation.send;

    await expect(ensureArtifactBucket(cloudFormation, FAST)).rejects.toThrow(
      `stack ${MANAGED_STACK_NAME}, which holds the resolveS3 artifact ` +
        'bucket, is ROLLBACK_COMPLETE; delete it',
    );
    expect(logs.join('\n')).not.toContain('creating stack');
  });
});
