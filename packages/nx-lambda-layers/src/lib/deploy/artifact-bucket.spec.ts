import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
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
// tested, because moto 5.2.1 then creates two stacks of one name. Real
// CloudFormation fails the second ExecuteChangeSet, and
// ensureArtifactBucket then waits for the first deploy's stack.
describe('ensureArtifactBucket', () => {
  let bucket: string;

  it('left-over REVIEW_IN_PROGRESS is replaced', async () => {
    // A CREATE change set that was never executed leaves the stack
    // REVIEW_IN_PROGRESS, with no resources. The wait for another deploy to
    // execute it is 0 ms here.
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

    bucket = await ensureArtifactBucket(cloudFormation, FAST, 0);

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

  it('pending create of another deploy is reused', async () => {
    // Another region, so that this stack is apart from the others here.
    const region = 'us-west-2';
    const other = new CloudFormationClient({ region });
    const created = await other.send(
      new CreateChangeSetCommand({
        StackName: MANAGED_STACK_NAME,
        ChangeSetName: 'other-deploy',
        ChangeSetType: 'CREATE',
        TemplateBody: MANAGED_STACK_TEMPLATE,
      }),
    );
    const cloudFormation = new CloudFormationClient({ region });
    const sent = recordCommands(cloudFormation);

    const [found] = await Promise.all([
      ensureArtifactBucket(cloudFormation, FAST, 20_000),
      // The other deploy executes its change set a moment later.
      new Promise((resolve) => setTimeout(resolve, 1_500)).then(() =>
        other.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id })),
      ),
    ]);

    expect(found).toMatch(/^nx-lambda-layers-managed-/i);
    expect(sent).not.toContain('CreateChangeSetCommand');
    expect(sent).not.toContain('DeleteStackCommand');
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
      `stack ${MANAGED_STACK_NAME}, which contains the resolveS3 artifact ` +
        'bucket, is ROLLBACK_COMPLETE; delete it',
    );
    expect(logs.join('\n')).not.toContain('creating stack');
  });
});
