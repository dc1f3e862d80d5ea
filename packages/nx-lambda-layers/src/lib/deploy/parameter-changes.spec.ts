import type { Stack } from '@aws-sdk/client-cloudformation';
import {
  formatParameterChange,
  ssmParameterChanges,
} from './parameter-changes';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:layer:sosw';
const RESOLVED = { LayerArn: { Parameter: '/layers/sosw', Value: `${ARN}:8` } };

function stack(parameter: Record<string, string>, status = 'UPDATE_COMPLETE') {
  return {
    StackStatus: status,
    Parameters: [{ ParameterKey: 'LayerArn', ...parameter }],
  } as Stack;
}

describe('ssmParameterChanges', () => {
  it('reads ResolvedValue first', () => {
    // Real CloudFormation keeps the SSM name in ParameterValue.
    const current = stack({
      ParameterValue: '/layers/sosw',
      ResolvedValue: `${ARN}:7`,
    });

    expect(ssmParameterChanges(current, RESOLVED)).toEqual([
      {
        name: 'LayerArn',
        parameter: '/layers/sosw',
        before: `${ARN}:7`,
        after: `${ARN}:8`,
      },
    ]);
  });

  it('falls back to ParameterValue', () => {
    // moto 5.2.1 puts the resolved value in ParameterValue.
    const current = stack({ ParameterValue: `${ARN}:7` });

    expect(ssmParameterChanges(current, RESOLVED)[0].before).toBe(`${ARN}:7`);
  });

  it('new stack has no value before', () => {
    expect(ssmParameterChanges(undefined, RESOLVED)[0].before).toBeUndefined();
    const review = stack({ ParameterValue: 'x' }, 'REVIEW_IN_PROGRESS');
    expect(ssmParameterChanges(review, RESOLVED)[0].before).toBeUndefined();
  });
});

describe('formatParameterChange', () => {
  const change = { name: 'LayerArn', parameter: '/layers/sosw' };

  it('shortens a new layer version', () => {
    const text = formatParameterChange({
      ...change,
      before: `${ARN}:7`,
      after: `${ARN}:8`,
    });

    expect(text).toBe(`LayerArn (/layers/sosw): ${ARN}:7 -> :sosw:8`);
  });

  it('keeps a different layer whole', () => {
    const text = formatParameterChange({
      ...change,
      before: 'old-value',
      after: `${ARN}:8`,
    });

    expect(text).toBe(`LayerArn (/layers/sosw): old-value -> ${ARN}:8`);
  });

  it('marks an unchanged value', () => {
    const text = formatParameterChange({
      ...change,
      before: `${ARN}:8`,
      after: `${ARN}:8`,
    });

    expect(text).toBe(`LayerArn (/layers/sosw): ${ARN}:8 (unchanged)`);
  });

  it('marks a new stack', () => {
    const text = formatParameterChange({ ...change, after: `${ARN}:8` });

    expect(text).toBe(`LayerArn (/layers/sosw): (new) -> ${ARN}:8`);
  });
});
