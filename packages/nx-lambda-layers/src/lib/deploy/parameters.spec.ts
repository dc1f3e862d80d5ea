import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  captureLogs,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  changeSetParameters,
  resolveSsmParameters,
  type TemplateParameter,
  templateParameters,
  unknownOverrides,
} from './parameters';

useEmulator();
const logs = captureLogs();

const LAYER: TemplateParameter = {
  name: 'LayerArn',
  type: 'AWS::SSM::Parameter::Value<String>',
  default: '/layers/sosw/arn',
};
const STAGE: TemplateParameter = { name: 'Stage', type: 'String' };
const MEMORY: TemplateParameter = {
  name: 'Memory',
  type: 'Number',
  default: '256',
};

describe('templateParameters', () => {
  it('reads type and default', () => {
    const value = {
      Parameters: {
        LayerArn: { Type: LAYER.type, Default: LAYER.default },
        Stage: { Type: 'String' },
        Memory: { Type: 'Number', Default: 256 },
      },
    };

    expect(templateParameters(value)).toEqual([LAYER, STAGE, MEMORY]);
  });

  it('no Parameters section is empty', () => {
    expect(templateParameters({ Resources: {} })).toEqual([]);
  });
});

describe('changeSetParameters', () => {
  const parameters = [LAYER, STAGE, MEMORY];

  it('sends SSM-typed default by key on update', () => {
    const sent = changeSetParameters(parameters, {}, ['LayerArn', 'Stage']);

    expect(sent).toEqual([
      { ParameterKey: 'LayerArn', ParameterValue: '/layers/sosw/arn' },
      { ParameterKey: 'Stage', UsePreviousValue: true },
    ]);
  });

  it('overrides win', () => {
    const sent = changeSetParameters(
      parameters,
      { LayerArn: '/other/arn', Stage: 'prod', Memory: '512' },
      ['LayerArn', 'Stage', 'Memory'],
    );

    expect(sent).toEqual([
      { ParameterKey: 'LayerArn', ParameterValue: '/other/arn' },
      { ParameterKey: 'Stage', ParameterValue: 'prod' },
      { ParameterKey: 'Memory', ParameterValue: '512' },
    ]);
  });

  it('new stack sends no previous values', () => {
    expect(changeSetParameters(parameters, {}, [])).toEqual([
      { ParameterKey: 'LayerArn', ParameterValue: '/layers/sosw/arn' },
    ]);
  });

  it('never UsePreviousValue for SSM types', () => {
    const noDefault = { ...LAYER, default: undefined };

    const sent = changeSetParameters([noDefault], {}, ['LayerArn']);

    expect(sent).toEqual([]);
  });
});

describe('unknownOverrides', () => {
  it('lists undeclared names', () => {
    expect(unknownOverrides([LAYER], { LayerArn: 'x', Typo: 'y' })).toEqual([
      'Typo',
    ]);
  });
});

describe('resolveSsmParameters', () => {
  beforeAll(async () => {
    const ssm = new SSMClient({});
    for (const [name, value] of [
      [
        '/layers/sosw/arn',
        'arn:aws:lambda:us-east-1:123456789012:layer:sosw:3',
      ],
      ['/other/arn', 'arn:aws:lambda:us-east-1:123456789012:layer:other:1'],
    ]) {
      await ssm.send(
        new PutParameterCommand({ Name: name, Value: value, Type: 'String' }),
      );
    }
  });

  it('reads the default name', async () => {
    const resolved = await resolveSsmParameters(
      [LAYER, STAGE],
      {},
      new SSMClient({}),
    );

    expect(logs).toContain(
      'info: SSM /layers/sosw/arn = ' +
        'arn:aws:lambda:us-east-1:123456789012:layer:sosw:3 (parameter LayerArn)',
    );
    expect(resolved).toEqual({
      LayerArn: {
        Parameter: '/layers/sosw/arn',
        Value: 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:3',
      },
    });
  });

  it('reads the override name', async () => {
    const resolved = await resolveSsmParameters(
      [LAYER],
      { LayerArn: '/other/arn' },
      new SSMClient({}),
    );

    expect(resolved.LayerArn.Value).toBe(
      'arn:aws:lambda:us-east-1:123456789012:layer:other:1',
    );
  });

  it('missing SSM name says to publish', async () => {
    await expect(
      resolveSsmParameters(
        [{ ...LAYER, default: '/layers/never/arn' }],
        {},
        new SSMClient({}),
      ),
    ).rejects.toThrow(
      'SSM parameter /layers/never/arn (for template parameter LayerArn) not found',
    );
  });

  it('no default and no override fails', async () => {
    await expect(
      resolveSsmParameters(
        [{ ...LAYER, default: undefined }],
        {},
        new SSMClient({}),
      ),
    ).rejects.toThrow('template parameter LayerArn');
  });
});
