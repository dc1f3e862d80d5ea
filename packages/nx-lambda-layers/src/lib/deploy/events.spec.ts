import type {
  CloudFormationClient,
  StackEvent,
} from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import {
  followStackEvents,
  formatEvent,
  isFinalStatus,
  isSuccessStatus,
  recentEventIds,
} from './events';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1';
const FAST = { initialIntervalMs: 1, maxIntervalMs: 1, timeoutMs: 2_000 };

function event(
  id: string,
  logicalId: string,
  status: string,
  reason?: string,
): StackEvent {
  return {
    EventId: id,
    StackId: STACK_ID,
    StackName: 's',
    LogicalResourceId: logicalId,
    PhysicalResourceId: logicalId === 's' ? STACK_ID : `${logicalId}-physical`,
    ResourceType:
      logicalId === 's'
        ? 'AWS::CloudFormation::Stack'
        : 'AWS::Lambda::Function',
    ResourceStatus: status,
    ResourceStatusReason: reason,
    Timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, Number(id))),
  } as StackEvent;
}

/**
 * Returns a fake CloudFormation client. The emulator never reports a failed
 * resource as a stack event (it fails ExecuteChangeSet instead), so this
 * fake plays the events real CloudFormation sends during a failed create.
 * Each call of DescribeStacks moves one step through `steps`.
 */
function fakeCloudFormation(
  steps: Array<{ events: StackEvent[]; status: string }>,
): CloudFormationClient {
  let step = 0;
  const send = async (command: { constructor: { name: string } }) => {
    const current = steps[Math.min(step, steps.length - 1)];
    if (command.constructor.name === 'DescribeStackEventsCommand') {
      // Newest first, as CloudFormation returns them.
      return { StackEvents: [...current.events].reverse() };
    }
    step += 1;
    return { Stacks: [{ StackId: STACK_ID, StackStatus: current.status }] };
  };
  return { send } as unknown as CloudFormationClient;
}

describe('followStackEvents', () => {
  let lines: string[];

  beforeEach(() => {
    lines = [];
    jest.spyOn(logger, 'info').mockImplementation((message: string) => {
      lines.push(message);
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('reports failed resources and rollback', async () => {
    const before = [event('1', 's', 'REVIEW_IN_PROGRESS', 'User Initiated')];
    const during = [
      ...before,
      event('2', 's', 'CREATE_IN_PROGRESS', 'User Initiated'),
      event('3', 'Fn', 'CREATE_IN_PROGRESS'),
      event('4', 'Fn', 'CREATE_FAILED', 'Role does not exist'),
    ];
    const after = [
      ...during,
      event(
        '5',
        's',
        'ROLLBACK_IN_PROGRESS',
        'The following resource(s) failed to create: [Fn].',
      ),
      event('6', 'Fn', 'DELETE_COMPLETE'),
      event('7', 's', 'ROLLBACK_COMPLETE'),
    ];
    const client = fakeCloudFormation([
      { events: before, status: 'REVIEW_IN_PROGRESS' },
      { events: during, status: 'CREATE_IN_PROGRESS' },
      { events: after, status: 'ROLLBACK_COMPLETE' },
    ]);
    const seen = await recentEventIds(client, STACK_ID);

    const result = await followStackEvents(client, STACK_ID, seen, FAST);

    expect(result.status).toBe('ROLLBACK_COMPLETE');
    expect(result.failures).toEqual([
      {
        logicalId: 'Fn',
        resourceType: 'AWS::Lambda::Function',
        status: 'CREATE_FAILED',
        reason: 'Role does not exist',
      },
    ]);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(
      '2026-01-01T00:00:02.000Z  CREATE_IN_PROGRESS  s  User Initiated',
    );
    expect(lines[2]).toContain('CREATE_FAILED  Fn  Role does not exist');
    expect(lines[5]).toContain('ROLLBACK_COMPLETE  s');
  });

  it('times out on a stuck stack', async () => {
    const client = fakeCloudFormation([
      { events: [], status: 'UPDATE_IN_PROGRESS' },
    ]);

    await expect(
      followStackEvents(client, STACK_ID, new Set(), {
        ...FAST,
        timeoutMs: 20,
      }),
    ).rejects.toThrow('is still UPDATE_IN_PROGRESS after 20 ms');
  });
});

describe('stack statuses', () => {
  it.each([
    ['CREATE_COMPLETE', true, true],
    ['UPDATE_COMPLETE', true, true],
    ['UPDATE_ROLLBACK_COMPLETE', true, false],
    ['ROLLBACK_COMPLETE', true, false],
    ['UPDATE_FAILED', true, false],
    ['REVIEW_IN_PROGRESS', false, false],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', false, false],
  ])('%s final %s success %s', (status, final, success) => {
    expect(isFinalStatus(status)).toBe(final);
    expect(isSuccessStatus(status)).toBe(success);
  });
});

describe('formatEvent', () => {
  it('omits a missing reason', () => {
    expect(formatEvent(event('9', 'Fn', 'CREATE_COMPLETE'))).toBe(
      '2026-01-01T00:00:09.000Z  CREATE_COMPLETE  Fn',
    );
  });
});
