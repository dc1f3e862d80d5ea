import { mergeDeploySettings } from './settings';

const SAM_CONFIG = {
  stackName: 'orders-api',
  region: 'eu-west-1',
  capabilities: ['CAPABILITY_IAM'],
  parameterOverrides: { Stage: 'dev', LayerArn: '/layers/sosw/arn' },
  s3Bucket: 'artifacts',
  s3Prefix: 'orders',
  tags: { team: 'a' },
};

describe('mergeDeploySettings', () => {
  it('samconfig.toml is the base', () => {
    const settings = mergeDeploySettings(
      SAM_CONFIG,
      {},
      false,
      'samconfig.toml',
    );

    expect(settings).toMatchObject({
      stackName: 'orders-api',
      region: 'eu-west-1',
      capabilities: ['CAPABILITY_IAM'],
      parameterOverrides: { Stage: 'dev', LayerArn: '/layers/sosw/arn' },
      s3Bucket: 'artifacts',
      s3Prefix: 'orders',
      resolveS3: false,
      noExecuteChangeset: false,
      tags: { team: 'a' },
    });
  });

  it('options override samconfig.toml', () => {
    const settings = mergeDeploySettings(
      SAM_CONFIG,
      {
        stackName: 'orders-prod',
        region: 'us-east-1',
        capabilities: ['CAPABILITY_NAMED_IAM'],
        parameterOverrides: { Stage: 'prod', Memory: 512 },
        s3Bucket: 'other',
      },
      false,
      'samconfig.toml',
    );

    expect(settings.stackName).toBe('orders-prod');
    expect(settings.region).toBe('us-east-1');
    expect(settings.capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
    expect(settings.parameterOverrides).toEqual({
      Stage: 'prod',
      LayerArn: '/layers/sosw/arn',
      Memory: '512',
    });
    expect(settings.s3Bucket).toBe('other');
  });

  it('options override file tags and notifications', () => {
    const settings = mergeDeploySettings(
      {
        ...SAM_CONFIG,
        roleArn: 'arn:aws:iam::123456789012:role/file',
        notificationArns: ['arn:aws:sns:eu-west-1:123456789012:file'],
        confirmChangeset: true,
      },
      {
        tags: { stage: 'prod' },
        roleArn: 'arn:aws:iam::123456789012:role/option',
        notificationArns: [],
        confirmChangeset: false,
      },
      false,
      'samconfig.toml',
    );

    expect(settings.tags).toEqual({ team: 'a', stage: 'prod' });
    expect(settings.roleArn).toBe('arn:aws:iam::123456789012:role/option');
    expect(settings.notificationArns).toEqual([]);
    expect(settings.confirmChangeset).toBe(false);
  });

  it('confirm_changeset comes from the file', () => {
    const settings = mergeDeploySettings(
      { ...SAM_CONFIG, confirmChangeset: true },
      {},
      false,
      'samconfig.toml',
    );

    expect(settings.confirmChangeset).toBe(true);
    expect(settings.autoApprove).toBe(false);
    expect(settings.replaceFailedStack).toBe(false);
  });

  it('default capabilities without samconfig.toml', () => {
    const settings = mergeDeploySettings(
      undefined,
      { stackName: 's' },
      false,
      'samconfig.toml',
    );

    expect(settings.capabilities).toEqual([
      'CAPABILITY_IAM',
      'CAPABILITY_NAMED_IAM',
    ]);
    expect(settings.parameterOverrides).toEqual({});
  });

  it('Transform adds CAPABILITY_AUTO_EXPAND', () => {
    const settings = mergeDeploySettings(
      SAM_CONFIG,
      {},
      true,
      'samconfig.toml',
    );

    expect(settings.capabilities).toEqual([
      'CAPABILITY_IAM',
      'CAPABILITY_AUTO_EXPAND',
    ]);
  });

  it('missing stack name names the file', () => {
    expect(() =>
      mergeDeploySettings(undefined, {}, false, 'apps/a/samconfig.toml'),
    ).toThrow('`stack_name` in apps/a/samconfig.toml');
  });
});
