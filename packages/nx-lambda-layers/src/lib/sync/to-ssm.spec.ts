import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLayerReferences } from '../layer-refs';
import { normalizeLayerConfig } from '../layer-config';
import { parseTemplate, toCfnValue } from '../template';
import { migrateToSsm } from './to-ssm';

const SOSW = normalizeLayerConfig(
  { layerName: 'sosw', ssmParameter: '/lambda-layers/sosw/arn' },
  'apps/sosw-layer/layer.json',
);

function migrate(text: string, source = 'apps/orders/template.yaml') {
  const template = parseTemplate(text, source);
  const references = findLayerReferences(template, [SOSW]);
  return migrateToSsm(template, [SOSW], references);
}

/** cfn-lint takes 2-4 s alone and much longer on a loaded machine. */
const CFN_LINT_TIMEOUT_MS = 180_000;

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'to-ssm-'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Runs cfn-lint on the text and returns its exit code and output. */
function cfnLint(text: string, name: string) {
  const path = join(folder, name);
  writeFileSync(path, text);
  const run = spawnSync('cfn-lint', [path], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const FUNCTION_PROPERTIES = [
  '      Runtime: python3.12',
  '      Handler: app.handler',
  '      Role: arn:aws:iam::123456789012:role/orders',
  '      Code:',
  '        S3Bucket: orders-artifacts',
  '        S3Key: orders.zip',
];

const YAML_TEMPLATE = [
  "AWSTemplateFormatVersion: '2010-09-09'",
  '# functions of the orders stack',
  'Resources:',
  '  Orders:',
  '    Type: AWS::Lambda::Function',
  '    Properties:',
  ...FUNCTION_PROPERTIES,
  '      Layers:',
  '        - !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER" # sosw',
  '        - arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:3',
  '  Reports:',
  '    Type: AWS::Lambda::Function',
  '    Properties:',
  ...FUNCTION_PROPERTIES,
  "      Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:sosw:7']",
  'Outputs:',
  '  LayerUsed:',
  '    Value: !Sub "uses arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:7"',
  '',
].join('\n');

describe('migrateToSsm: YAML', () => {
  it('rewrites Layers items and adds the parameter', () => {
    const { text, changes } = migrate(YAML_TEMPLATE);

    const expected = YAML_TEMPLATE.replace(
      '- !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER" # sosw',
      '- !Ref SoswLayerArn # sosw',
    )
      .replace(
        "Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:sosw:7']",
        'Layers: [!Ref SoswLayerArn]',
      )
      .replace(
        'Resources:\n',
        'Parameters:\n  SoswLayerArn:\n' +
          '    Type: AWS::SSM::Parameter::Value<String>\n' +
          '    Default: /lambda-layers/sosw/arn\nResources:\n',
      );
    expect(text).toBe(expected);
    expect(changes.map((change) => change.to)).toEqual([
      '!Ref SoswLayerArn',
      '!Ref SoswLayerArn',
    ]);
  });

  it('warns about an ARN inside a longer string', () => {
    const { warnings } = migrate(YAML_TEMPLATE);

    expect(warnings).toHaveLength(1);
    expect(warnings[0].line).toBe(28);
    expect(warnings[0].message).toMatch(/^layer sosw ARN not moved to SSM/);
  });

  it(
    'output parses and passes cfn-lint',
    () => {
      const { text } = migrate(YAML_TEMPLATE);

      const template = parseTemplate(text, 'migrated.yaml');
      const references = findLayerReferences(template, [SOSW]);
      const lint = cfnLint(text, 'migrated.yaml');

      expect(references.map((r) => r.kind)).toEqual(['ssm-parameter', 'arn']);
      expect(
        (toCfnValue(template.document.contents) as any).Resources.Orders
          .Properties.Layers[0],
      ).toEqual({ Ref: 'SoswLayerArn' });
      expect(lint.output).toBe('');
      expect(lint.status).toBe(0);
    },
    CFN_LINT_TIMEOUT_MS,
  );

  it('second run changes nothing', () => {
    const first = migrate(YAML_TEMPLATE);
    const second = migrate(first.text);

    expect(second.text).toBe(first.text);
    expect(second.changes).toEqual([]);
  });

  it('reuses an existing SSM parameter', () => {
    const text = [
      'Parameters:',
      '  Env:',
      '    Type: String',
      '  Layer:',
      '    Type: AWS::SSM::Parameter::Value<String>',
      '    Default: /lambda-layers/sosw/arn',
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Layers:',
      '        - arn:aws:lambda:us-east-1:123456789012:layer:sosw:2',
      '',
    ].join('\n');

    const migrated = migrate(text);

    expect(migrated.text).toBe(
      text.replace(
        '- arn:aws:lambda:us-east-1:123456789012:layer:sosw:2',
        '- !Ref Layer',
      ),
    );
  });

  it('appends to Parameters and keeps CRLF', () => {
    const text = [
      'Parameters:',
      '    Env:',
      '        Type: String',
      'Globals:',
      '    Function:',
      '        Layers:',
      '            - Fn::Sub: arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER',
      'Resources:',
      '    Fn:',
      '        Type: AWS::Serverless::Function',
      '',
    ].join('\r\n');

    const migrated = migrate(text);

    expect(migrated.text).toBe(
      text
        .replace(
          '- Fn::Sub: arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER',
          '- !Ref SoswLayerArn',
        )
        .replace(
          '        Type: String\r\n',
          '        Type: String\r\n    SoswLayerArn:\r\n' +
            '        Type: AWS::SSM::Parameter::Value<String>\r\n' +
            '        Default: /lambda-layers/sosw/arn\r\n',
        ),
    );
  });

  it('converts a String parameter with an ARN default', () => {
    const text = [
      'Parameters:',
      '  LayerArn:',
      '    Type: String',
      "    Default: 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:5'",
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Layers: [!Ref LayerArn]',
      '',
    ].join('\n');

    const migrated = migrate(text);

    expect(migrated.text).toBe(
      text
        .replace('Type: String', 'Type: AWS::SSM::Parameter::Value<String>')
        .replace(
          "'arn:aws:lambda:us-east-1:123456789012:layer:sosw:5'",
          "'/lambda-layers/sosw/arn'",
        ),
    );
    expect(migrated.warnings).toEqual([]);
  });

  it('appends Parameters without Resources', () => {
    const text = [
      'Globals:',
      '  Function:',
      '    Layers:',
      '      - arn:aws:lambda:us-east-1:123456789012:layer:sosw:3',
    ].join('\n');

    const migrated = migrate(text);
    const value = toCfnValue(
      parseTemplate(migrated.text, 'migrated.yaml').document.contents,
    ) as any;

    expect(value.Parameters.SoswLayerArn.Default).toBe(
      '/lambda-layers/sosw/arn',
    );
    expect(value.Globals.Function.Layers).toEqual([{ Ref: 'SoswLayerArn' }]);
  });

  it('keeps an anchor on a rewritten item', () => {
    const text = [
      'Resources:',
      '  Fn:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Layers:',
      '        - &sosw !Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:3',
      '',
    ].join('\n');

    const migrated = migrate(text);

    expect(migrated.text).toContain('        - &sosw !Ref SoswLayerArn\n');
  });
});

describe('migrateToSsm: YAML flow style', () => {
  const SUB_ARN =
    '!Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER"';
  const FLOW_RESOURCES = `Resources: {Fn: {Type: AWS::Serverless::Function, Properties: {Layers: [${SUB_ARN}]}}}`;
  const BLOCK_RESOURCES = [
    'Resources:',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    `      Layers: [${SUB_ARN}]`,
  ].join('\n');

  /** Migrates the text, parses the output and returns it as plain values. */
  function migratedValue(text: string) {
    const migrated = migrate(text);
    const template = parseTemplate(migrated.text, 'migrated.yaml');
    return toCfnValue(template.document.contents) as any;
  }

  const ssmParameter = {
    Type: 'AWS::SSM::Parameter::Value<String>',
    Default: '/lambda-layers/sosw/arn',
  };

  it('adds Parameters above flow Resources', () => {
    const value = migratedValue(`${FLOW_RESOURCES}\n`);

    expect(Object.keys(value)).toEqual(['Parameters', 'Resources']);
    expect(value.Parameters).toEqual({ SoswLayerArn: ssmParameter });
    expect(value.Resources.Fn.Properties.Layers).toEqual([
      { Ref: 'SoswLayerArn' },
    ]);
  });

  it('indents Parameters by two spaces', () => {
    const { text } = migrate(`${FLOW_RESOURCES}\n`);

    expect(text).toBe(
      'Parameters:\n  SoswLayerArn:\n' +
        '    Type: AWS::SSM::Parameter::Value<String>\n' +
        '    Default: /lambda-layers/sosw/arn\n' +
        FLOW_RESOURCES.replace(SUB_ARN, '!Ref SoswLayerArn') +
        '\n',
    );
  });

  it('indents like multi-line flow Resources', () => {
    const text = FLOW_RESOURCES.replace('{Fn', '{\n    Fn') + '\n';

    const migrated = migrate(text);

    expect(migrated.text).toContain('Parameters:\n    SoswLayerArn:\n');
    expect(migratedValue(text).Parameters).toEqual({
      SoswLayerArn: ssmParameter,
    });
  });

  it('inserts into flow Parameters', () => {
    const text = `Parameters: {Env: {Type: String}}\n${BLOCK_RESOURCES}\n`;

    const migrated = migrate(text);
    const value = migratedValue(text);

    expect(migrated.text).toBe(
      'Parameters: {SoswLayerArn: {Type: ' +
        '"AWS::SSM::Parameter::Value<String>", ' +
        'Default: "/lambda-layers/sosw/arn"}, Env: {Type: String}}\n' +
        BLOCK_RESOURCES.replace(SUB_ARN, '!Ref SoswLayerArn') +
        '\n',
    );
    expect(value.Parameters).toEqual({
      SoswLayerArn: ssmParameter,
      Env: { Type: 'String' },
    });
    expect(value.Resources.Fn.Properties.Layers).toEqual([
      { Ref: 'SoswLayerArn' },
    ]);
  });

  it('inserts into empty flow Parameters', () => {
    const value = migratedValue(`Parameters: {}\n${BLOCK_RESOURCES}\n`);

    expect(value.Parameters).toEqual({ SoswLayerArn: ssmParameter });
    expect(value.Resources.Fn.Properties.Layers).toEqual([
      { Ref: 'SoswLayerArn' },
    ]);
  });

  it('inserts into multi-line flow Parameters', () => {
    const text =
      'Parameters: { # inputs\r\n  Env: {Type: String}\r\n}\r\n' +
      `${BLOCK_RESOURCES.replace(/\n/g, '\r\n')}\r\n`;

    const value = migratedValue(text);

    expect(value.Parameters).toEqual({
      SoswLayerArn: ssmParameter,
      Env: { Type: 'String' },
    });
    expect(value.Resources.Fn.Properties.Layers).toEqual([
      { Ref: 'SoswLayerArn' },
    ]);
  });

  it('adds Parameters to a flow root', () => {
    const text = `{${FLOW_RESOURCES.replace('Resources: ', 'Resources:\n  ')}}\n`;

    const value = migratedValue(text);

    expect(Object.keys(value)).toEqual(['Parameters', 'Resources']);
    expect(value.Parameters).toEqual({ SoswLayerArn: ssmParameter });
    expect(value.Resources.Fn.Properties.Layers).toEqual([
      { Ref: 'SoswLayerArn' },
    ]);
  });

  it('second flow run changes nothing', () => {
    const first = migrate(`Parameters: {}\n${FLOW_RESOURCES}\n`);
    const second = migrate(first.text);

    expect(second.text).toBe(first.text);
    expect(second.changes).toEqual([]);
  });
});

describe('migrateToSsm: JSON', () => {
  const json = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Orders": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": "arn:aws:iam::123456789012:role/orders",
        "Code": { "S3Bucket": "orders-artifacts", "S3Key": "orders.zip" },
        "Layers": [
          { "Fn::Join": [":", ["arn:aws:lambda", { "Ref": "AWS::Region" }, { "Ref": "AWS::AccountId" }, "layer:sosw", "4"]] },
          "arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:3"
        ]
      }
    }
  }
}
`;

  it('adds Parameters before Resources', () => {
    const { text } = migrate(json, 'apps/orders/template.json');

    expect(text).toBe(
      json
        .replace(/\{ "Fn::Join": .+\] \},/, '{ "Ref": "SoswLayerArn" },')
        .replace(
          '"Resources": {',
          '"Parameters": {\n' +
            '    "SoswLayerArn": { "Type": "AWS::SSM::Parameter::Value<String>", ' +
            '"Default": "/lambda-layers/sosw/arn" }\n' +
            '  },\n  "Resources": {',
        ),
    );
    expect(JSON.parse(text).Parameters.SoswLayerArn.Type).toBe(
      'AWS::SSM::Parameter::Value<String>',
    );
  });

  it(
    'output passes cfn-lint',
    () => {
      const { text } = migrate(json, 'apps/orders/template.json');

      const lint = cfnLint(text, 'migrated.json');

      expect(lint.output).toBe('');
      expect(lint.status).toBe(0);
    },
    CFN_LINT_TIMEOUT_MS,
  );

  it('inserts into an existing Parameters', () => {
    const withParameters = json.replace(
      '"Resources": {',
      '"Parameters": {\n    "Env": { "Type": "String" }\n  },\n  "Resources": {',
    );

    const { text } = migrate(withParameters, 'template.json');

    expect(JSON.parse(text).Parameters).toEqual({
      SoswLayerArn: {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/lambda-layers/sosw/arn',
      },
      Env: { Type: 'String' },
    });
  });
});
