import {
  CloudFormationClient,
  CreateStackCommand,
  ListChangeSetsCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  type ChangeSetRequest,
  changeSetTypeFor,
  createChangeSet,
  describeStack,
  formatChangesTable,
  isNoChangesReason,
} from './change-set';

useEmulator();

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
`;
const FAST = { initialIntervalMs: 10, maxIntervalMs: 50, timeoutMs: 5_000 };

function request(stackName: string, templateBody: string): ChangeSetRequest {
  return {
    stackName,
    type: 'UPDATE',
    templateBody,
    parameters: [],
    capabilities: [],
    tags: {},
    notificationArns: [],
  };
}

describe('changeSetTypeFor', () => {
  const stack = (StackStatus: string) => ({ StackStatus }) as Stack;

  it('missing stack is CREATE', () => {
    expect(changeSetTypeFor(undefined, 's')).toBe('CREATE');
  });

  it('REVIEW_IN_PROGRESS is CREATE', () => {
    expect(changeSetTypeFor(stack('REVIEW_IN_PROGRESS'), 's')).toBe('CREATE');
  });

  it.each(['CREATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'])(
    '%s is UPDATE',
    (status) => {
      expect(changeSetTypeFor(stack(status), 's')).toBe('UPDATE');
    },
  );

  it('ROLLBACK_COMPLETE says to delete', () => {
    expect(() =>
      changeSetTypeFor(stack('ROLLBACK_COMPLETE'), 'orders'),
    ).toThrow('delete-stack --stack-name orders');
  });

  it('running operation says to wait', () => {
    expect(() => changeSetTypeFor(stack('UPDATE_IN_PROGRESS'), 's')).toThrow(
      'stack s is busy (UPDATE_IN_PROGRESS)',
    );
  });
});

describe('formatChangesTable', () => {
  it('aligns the columns', () => {
    const lines = formatChangesTable([
      {
        action: 'Modify',
        logicalId: 'OrdersFunction',
        resourceType: 'AWS::Lambda::Function',
        replacement: 'False',
      },
      {
        action: 'Add',
        logicalId: 'Role',
        resourceType: 'AWS::IAM::Role',
        replacement: '',
      },
    ]);

    expect(lines).toEqual([
      'Action  Logical ID      Type                   Replacement',
      'Modify  OrdersFunction  AWS::Lambda::Function  False',
      'Add     Role            AWS::IAM::Role',
    ]);
  });
});

describe('isNoChangesReason', () => {
  it.each([
    ["The submitted information didn't contain changes.", true],
    ['No updates are to be performed.', true],
    ['Template format error', false],
  ])('%s -> %s', (reason, expected) => {
    expect(isNoChangesReason(reason as string)).toBe(expected);
  });
});

describe('createChangeSet', () => {
  it('unchanged template is noChanges and deleted', async () => {
    const cloudFormation = new CloudFormationClient({});
    const sent = recordCommands(cloudFormation);
    await cloudFormation.send(
      new CreateStackCommand({ StackName: 'same', TemplateBody: TEMPLATE }),
    );

    const outcome = await createChangeSet(
      cloudFormation,
      request('same', TEMPLATE),
      FAST,
    );

    expect(outcome.kind).toBe('noChanges');
    expect(sent).toContain('DeleteChangeSetCommand');
    const listed = await cloudFormation.send(
      new ListChangeSetsCommand({ StackName: 'same' }),
    );
    expect(listed.Summaries ?? []).toEqual([]);
  });

  it('changed template lists its changes', async () => {
    const cloudFormation = new CloudFormationClient({});
    await cloudFormation.send(
      new CreateStackCommand({ StackName: 'grows', TemplateBody: TEMPLATE }),
    );
    const grown = `${TEMPLATE}  Queue:\n    Type: AWS::SQS::Queue\n`;

    const outcome = await createChangeSet(
      cloudFormation,
      request('grows', grown),
      FAST,
    );

    expect(outcome.kind).toBe('ready');
    const logicalIds =
      outcome.kind === 'ready'
        ? outcome.changes.map((change) => change.logicalId)
        : [];
    expect(logicalIds).toContain('Queue');
  });

  it('failed change set reports the reason', async () => {
    // The emulator responds with HTTP 500 to an invalid template instead of a
    // FAILED change set, so this fake client plays CloudFormation's reply.
    const sent: string[] = [];
    const fake = {
      send: async (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        if (command.constructor.name === 'CreateChangeSetCommand') {
          return { Id: 'cs-arn', StackId: 'stack-arn' };
        }
        return {
          Status: 'FAILED',
          StatusReason: 'Template format error: Unrecognized resource types',
        };
      },
    } as unknown as CloudFormationClient;

    await expect(
      createChangeSet(fake, request('broken', TEMPLATE), FAST),
    ).rejects.toThrow(
      'change set cs-arn of stack broken failed: Template format error',
    );
    expect(sent).not.toContain('DeleteChangeSetCommand');
  });
});

describe('describeStack', () => {
  it('missing stack is undefined', async () => {
    expect(
      await describeStack(new CloudFormationClient({}), 'never-created'),
    ).toBeUndefined();
  });
});
