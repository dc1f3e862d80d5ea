import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findSamConfigFile,
  parseSamConfig,
  readSamConfig,
  SamConfigError,
  splitKeyValuePairs,
} from './samconfig';

const FULL_CONFIG = `version = 0.1

[default.global.parameters]
stack_name = "global-stack"
region = "eu-west-1"

[default.deploy.parameters]
stack_name = "orders-api"
profile = "ops"
capabilities = "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"
parameter_overrides = "SoswLayerArn=/lambda-layers/sosw/arn Subject=\\"hello world\\" Quote=\\"a \\\\\\"b\\\\\\" c\\""
s3_bucket = "artifacts"
s3_prefix = "orders"
resolve_s3 = false
tags = "team=\\"data platform\\" stage=dev"
confirm_changeset = true
role_arn = "arn:aws:iam::123456789012:role/cfn"
notification_arns = ["arn:aws:sns:eu-west-1:123456789012:a", "arn:aws:sns:eu-west-1:123456789012:b"]

[prod.deploy.parameters]
stack_name = "orders-api-prod"
region = "us-west-2"
parameter_overrides = ["SoswLayerArn=/prod/sosw", "Stage=prod"]
`;

describe('parseSamConfig', () => {
  it('reads every deploy setting', () => {
    const config = parseSamConfig(FULL_CONFIG, 'samconfig.toml');

    expect(config).toEqual({
      stackName: 'orders-api',
      region: 'eu-west-1',
      profile: 'ops',
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      parameterOverrides: {
        SoswLayerArn: '/lambda-layers/sosw/arn',
        Subject: 'hello world',
        Quote: 'a "b" c',
      },
      s3Bucket: 'artifacts',
      s3Prefix: 'orders',
      resolveS3: false,
      tags: { team: 'data platform', stage: 'dev' },
      confirmChangeset: true,
      roleArn: 'arn:aws:iam::123456789012:role/cfn',
      notificationArns: [
        'arn:aws:sns:eu-west-1:123456789012:a',
        'arn:aws:sns:eu-west-1:123456789012:b',
      ],
    });
  });

  it('deploy parameters win over global ones', () => {
    const config = parseSamConfig(FULL_CONFIG, 'samconfig.toml');

    expect(config.stackName).toBe('orders-api');
    expect(config.region).toBe('eu-west-1');
  });

  it('reads another config environment', () => {
    const config = parseSamConfig(FULL_CONFIG, 'samconfig.toml', 'prod');

    expect(config).toEqual({
      stackName: 'orders-api-prod',
      region: 'us-west-2',
      parameterOverrides: { SoswLayerArn: '/prod/sosw', Stage: 'prod' },
    });
  });

  it('missing environment gives empty settings', () => {
    const config = parseSamConfig(FULL_CONFIG, 'samconfig.toml', 'staging');

    expect(config).toEqual({ parameterOverrides: {} });
  });

  it('reads capabilities as a list', () => {
    const text = `[default.deploy.parameters]
capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
`;
    const config = parseSamConfig(text, 'samconfig.toml');

    expect(config.capabilities).toEqual([
      'CAPABILITY_IAM',
      'CAPABILITY_NAMED_IAM',
    ]);
  });

  it('reads the ParameterKey/ParameterValue form', () => {
    const text = `[default.deploy.parameters]
parameter_overrides = "ParameterKey=Stage,ParameterValue=dev ParameterKey=Name,ParameterValue=\\"my app\\""
`;
    const config = parseSamConfig(text, 'samconfig.toml');

    expect(config.parameterOverrides).toEqual({ Stage: 'dev', Name: 'my app' });
  });

  it('keeps = inside a value', () => {
    const text = `[default.deploy.parameters]
parameter_overrides = "Filter=a=b"
`;
    const config = parseSamConfig(text, 'samconfig.toml');

    expect(config.parameterOverrides).toEqual({ Filter: 'a=b' });
  });

  it('reports invalid TOML with file, line and column', () => {
    const text = `[default.deploy.parameters]\nstack_name = "a"\nregion = \n`;

    expect(() => parseSamConfig(text, 'apps/orders/samconfig.toml')).toThrow(
      /^apps\/orders\/samconfig\.toml:3:\d+: invalid TOML: .*sam deploy --guided/,
    );
  });

  it('reports a value of the wrong type with its line', () => {
    const text = `[default.global.parameters]\nresolve_s3 = true\n\n[default.deploy.parameters]\nstack_name = "a"\nresolve_s3 = "yes"\n`;

    expect(() => parseSamConfig(text, 'samconfig.toml')).toThrow(
      new SamConfigError(
        'samconfig.toml:6: invalid resolve_s3 "yes"; set it to true or false',
      ),
    );
  });

  it('reports a parameter override without =', () => {
    const text = `[default.deploy.parameters]\nstack_name = "a"\nparameter_overrides = "Stage=dev hello world"\n`;

    expect(() => parseSamConfig(text, 'samconfig.toml')).toThrow(
      /^samconfig\.toml:3: invalid parameter_overrides entry "hello"; write Key=Value pairs/,
    );
  });

  it('reports a stack_name that is not a string', () => {
    const text = `[default.deploy.parameters]\nstack_name = 3\n`;

    expect(() => parseSamConfig(text, 'samconfig.toml')).toThrow(
      'samconfig.toml:2: invalid stack_name 3; set it to a string',
    );
  });
});

/** The deploy settings of FULL_CONFIG, written as SAM CLI's YAML form. */
const FULL_YAML_CONFIG = `version: 0.1
default:
  global:
    parameters:
      stack_name: global-stack
      region: eu-west-1
  deploy:
    parameters:
      stack_name: orders-api
      profile: ops
      capabilities: CAPABILITY_IAM CAPABILITY_AUTO_EXPAND
      parameter_overrides:
        - SoswLayerArn=/lambda-layers/sosw/arn
        - Subject="hello world"
        - Quote="a \\"b\\" c"
      s3_bucket: artifacts
      s3_prefix: orders
      resolve_s3: false
      tags: team="data platform" stage=dev
      confirm_changeset: true
      role_arn: arn:aws:iam::123456789012:role/cfn
      notification_arns:
        - arn:aws:sns:eu-west-1:123456789012:a
        - arn:aws:sns:eu-west-1:123456789012:b
prod:
  deploy:
    parameters:
      stack_name: orders-api-prod
`;

describe('parseSamConfig with YAML', () => {
  it('reads the same settings as TOML', () => {
    const fromYaml = parseSamConfig(FULL_YAML_CONFIG, 'samconfig.yaml');

    expect(fromYaml).toEqual(parseSamConfig(FULL_CONFIG, 'samconfig.toml'));
  });

  it('reads another config environment', () => {
    const config = parseSamConfig(FULL_YAML_CONFIG, 'samconfig.yml', 'prod');

    expect(config.stackName).toBe('orders-api-prod');
  });

  it('reports invalid YAML with its line', () => {
    expect(() =>
      parseSamConfig('default:\n  deploy: [\n', 'samconfig.yaml'),
    ).toThrow(/^samconfig\.yaml:\d+:\d+: invalid YAML/);
  });

  it('reports a wrong value with its line', () => {
    const text =
      'default:\n  deploy:\n    parameters:\n      stack_name: s\n' +
      '      resolve_s3: maybe\n';

    expect(() => parseSamConfig(text, 'samconfig.yaml')).toThrow(
      'samconfig.yaml:5: invalid resolve_s3 "maybe"; set it to true or false',
    );
  });
});

describe('splitKeyValuePairs', () => {
  it('splits plain and quoted values', () => {
    const result = splitKeyValuePairs('A=1  B="two words"\tC=');

    expect(result.pairs).toEqual({ A: '1', B: 'two words', C: '' });
    expect(result.invalid).toEqual([]);
  });

  it('returns entries that are not pairs', () => {
    const result = splitKeyValuePairs('A=1 =2 loose');

    expect(result.pairs).toEqual({ A: '1' });
    expect(result.invalid).toEqual(['=2', 'loose']);
  });
});

describe('readSamConfig', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samconfig-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns undefined without samconfig.toml', () => {
    expect(readSamConfig(dir)).toBeUndefined();
  });

  it('reads samconfig.toml of a folder', () => {
    writeFileSync(join(dir, 'samconfig.toml'), FULL_CONFIG);

    expect(readSamConfig(dir, 'prod')?.stackName).toBe('orders-api-prod');
  });

  it('reads samconfig.yaml when no TOML file exists', () => {
    writeFileSync(join(dir, 'samconfig.yaml'), FULL_YAML_CONFIG);

    expect(findSamConfigFile(dir)).toBe(join(dir, 'samconfig.yaml'));
    expect(readSamConfig(dir)?.stackName).toBe('orders-api');
  });

  it('prefers samconfig.toml over samconfig.yaml', () => {
    writeFileSync(join(dir, 'samconfig.yaml'), FULL_YAML_CONFIG);
    writeFileSync(join(dir, 'samconfig.toml'), FULL_CONFIG);

    expect(findSamConfigFile(dir)).toBe(join(dir, 'samconfig.toml'));
  });

  it('names the file path in errors', () => {
    writeFileSync(join(dir, 'samconfig.toml'), '[default\n');

    expect(() => readSamConfig(dir)).toThrow(
      `${join(dir, 'samconfig.toml')}:1:`,
    );
  });
});
