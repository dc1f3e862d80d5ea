import { templateParameters } from './parameters';
import { checkCapabilities, checkParameterValues } from './preflight';

const ROLE = {
  Type: 'AWS::IAM::Role',
  Properties: { AssumeRolePolicyDocument: {} },
};

describe('checkCapabilities', () => {
  it('IAM resource needs CAPABILITY_IAM', () => {
    const template = { Resources: { FunctionRole: ROLE } };

    expect(() =>
      checkCapabilities(
        [{ source: 'template.yaml', value: template }],
        [],
        'orders',
      ),
    ).toThrow(
      'stack orders requires CAPABILITY_IAM for FunctionRole ' +
        '(AWS::IAM::Role); add it to the `capabilities` option',
    );
  });

  it('named IAM resource needs CAPABILITY_NAMED_IAM', () => {
    const named = {
      ...ROLE,
      Properties: { ...ROLE.Properties, RoleName: 'orders' },
    };
    const template = { Resources: { FunctionRole: named } };

    expect(() =>
      checkCapabilities(
        [{ source: 'template.yaml', value: template }],
        ['CAPABILITY_IAM'],
        'orders',
      ),
    ).toThrow('requires CAPABILITY_NAMED_IAM for FunctionRole');
  });

  it('CAPABILITY_NAMED_IAM covers unnamed resources', () => {
    const template = { Resources: { FunctionRole: ROLE } };

    expect(() =>
      checkCapabilities(
        [{ source: 'template.yaml', value: template }],
        ['CAPABILITY_NAMED_IAM'],
        'orders',
      ),
    ).not.toThrow();
  });

  it('nested template resources count', () => {
    const parent = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };
    const child = { Resources: { FunctionRole: ROLE } };
    const templates = [
      { source: 'template.yaml', value: parent },
      { source: 'nested/child.yaml', value: child },
    ];

    expect(() => checkCapabilities(templates, [], 'orders')).toThrow(
      'requires CAPABILITY_IAM for FunctionRole (AWS::IAM::Role) in ' +
        'nested/child.yaml;',
    );
  });

  it('template without IAM needs nothing', () => {
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };

    expect(() =>
      checkCapabilities(
        [{ source: 'template.yaml', value: template }],
        [],
        'orders',
      ),
    ).not.toThrow();
  });
});

describe('checkParameterValues', () => {
  const parameters = templateParameters({
    Parameters: {
      Stage: { Type: 'String', AllowedValues: ['dev', 'prod'] },
      Memory: { Type: 'Number', Default: 128 },
      Prefix: { Type: 'String', AllowedPattern: '[a-z]+', Default: 'app' },
      Zones: {
        Type: 'CommaDelimitedList',
        AllowedValues: ['a', 'b'],
        Default: 'a,b',
      },
      LayerArn: {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/layers/sosw/arn',
      },
    },
  });

  it('valid values pass', () => {
    expect(() =>
      checkParameterValues(parameters, { Stage: 'dev' }, [], 'orders'),
    ).not.toThrow();
  });

  it('missing value fails on a new stack', () => {
    expect(() => checkParameterValues(parameters, {}, [], 'orders')).toThrow(
      'invalid parameters for stack orders: Stage has no value (no Default)',
    );
  });

  it('previous value counts on update', () => {
    expect(() =>
      checkParameterValues(parameters, {}, ['Stage'], 'orders'),
    ).not.toThrow();
  });

  it('lists every invalid value', () => {
    const overrides = {
      Stage: 'qa',
      Memory: 'lots',
      Prefix: 'App1',
      Zones: 'a,c',
    };

    let message = '';
    try {
      checkParameterValues(parameters, overrides, [], 'orders');
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('Stage "qa" is not one of dev, prod');
    expect(message).toContain('Memory "lots" is not a number');
    expect(message).toContain('Prefix "App1" does not match [a-z]+');
    expect(message).toContain('Zones "c" is not one of a, b');
    expect(message).toContain('`parameter_overrides` in samconfig.toml');
  });
});
