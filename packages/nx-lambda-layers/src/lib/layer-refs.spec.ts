import { findLayerReferences, type LayerReference } from './layer-refs';
import { normalizeLayerConfig, type LayerConfig } from './layer-config';
import { parseTemplate } from './template';

const SOSW = normalizeLayerConfig(
  { layerName: 'sosw', ssmParameter: '/lambda-layers/sosw/arn' },
  'apps/sosw-layer/layer.json',
);
const EXTRAS = normalizeLayerConfig(
  { layerName: 'sosw-extras', ssmParameter: '/lambda-layers/sosw-extras/arn' },
  'apps/extras-layer/layer.json',
);
const LAYERS: LayerConfig[] = [SOSW, EXTRAS];

const SUB_ARN =
  'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer';

function find(
  text: string,
  overrides?: Record<string, string>,
  source = 'apps/orders/template.yaml',
): { text: string; references: LayerReference[] } {
  const template = parseTemplate(text, source);
  const references = findLayerReferences(template, LAYERS, overrides);
  // The faster readers of read-only parses must find the same references.
  const quick = parseTemplate(text, source, { readOnly: true });
  expect(findLayerReferences(quick, LAYERS, overrides)).toEqual(references);
  return { text, references };
}

/** Returns the source text that a reference's versionRange points at. */
function versionText(text: string, reference: LayerReference): string {
  expect(reference.versionRange).toBeDefined();
  const [start, end] = reference.versionRange ?? [0, 0];
  return text.slice(start, end);
}

describe('findLayerReferences: SSM parameters', () => {
  const template = `Parameters:
  SoswLayerArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /lambda-layers/sosw/arn
  OtherArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /something/else
  PlainString:
    Type: String
    Default: /lambda-layers/sosw/arn
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Layers: [!Ref SoswLayerArn]
`;

  it('matches a parameter default', () => {
    const { references } = find(template);

    expect(references).toEqual([
      {
        layerName: 'sosw',
        kind: 'ssm-parameter',
        source: 'apps/orders/template.yaml',
        line: 4,
        column: 14,
        logicalId: 'SoswLayerArn',
        parameterName: 'SoswLayerArn',
      },
    ]);
  });

  it('override replaces the default', () => {
    const { references } = find(template, {
      SoswLayerArn: '/elsewhere',
      OtherArn: '/lambda-layers/sosw-extras/arn',
    });

    expect(references).toHaveLength(1);
    expect(references[0].layerName).toBe('sosw-extras');
    expect(references[0].parameterName).toBe('OtherArn');
    expect(references[0].line).toBe(7);
  });

  it('override without a default points at the parameter', () => {
    const text = `Parameters:
  Layer:
    Type: 'AWS::SSM::Parameter::Value<String>'
`;
    const { references } = find(text, { Layer: '/lambda-layers/sosw/arn' });

    expect(references).toHaveLength(1);
    expect(references[0].line).toBe(2);
    expect(references[0].column).toBe(3);
  });

  it('ignores parameters of other types', () => {
    const text = `Parameters:
  Layer:
    Type: String
    Default: /lambda-layers/sosw/arn
`;
    expect(find(text).references).toEqual([]);
  });
});

describe('findLayerReferences: resolve:ssm', () => {
  it('finds unversioned and versioned forms', () => {
    const text = `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - '{{resolve:ssm:/lambda-layers/sosw/arn}}'
        - "{{resolve:ssm:/lambda-layers/sosw-extras/arn:12}}"
`;
    const { references } = find(text);

    expect(references).toHaveLength(2);
    expect(references[0]).toEqual({
      layerName: 'sosw',
      kind: 'resolve-ssm',
      source: 'apps/orders/template.yaml',
      line: 6,
      column: 12,
      logicalId: 'Fn',
    });
    expect(references[1].layerName).toBe('sosw-extras');
    expect(references[1].version).toBe(12);
    expect(versionText(text, references[1])).toBe('12');
  });

  it('finds a dynamic reference inside !Sub', () => {
    const text = `Outputs:
  Layer:
    Value: !Sub 'x {{resolve:ssm:/lambda-layers/sosw/arn:4}} in \${AWS::Region}'
`;
    const { references } = find(text);

    expect(references).toHaveLength(1);
    expect(references[0].logicalId).toBe('Layer');
    expect(versionText(text, references[0])).toBe('4');
  });

  it('ignores other SSM parameters', () => {
    const text = `Value: '{{resolve:ssm:/lambda-layers/sosw/arn-old}}'\n`;

    expect(find(text).references).toEqual([]);
  });
});

describe('findLayerReferences: literal ARNs', () => {
  const arn = 'arn:aws:lambda:eu-west-1:123456789012:layer';

  it.each([
    ['plain', `Layers:\n  - ${arn}:sosw:7\n`],
    ['double-quoted', `Layers:\n  - "${arn}:sosw:7"\n`],
    ['single-quoted', `Layers:\n  - '${arn}:sosw:7'\n`],
    ['flow sequence', `Layers: [ "${arn}:sosw:7" ]\n`],
  ])('finds a %s ARN', (_style, text) => {
    const { references } = find(text);

    expect(references).toHaveLength(1);
    expect(references[0].kind).toBe('arn');
    expect(references[0].version).toBe(7);
    expect(references[0].line).toBe(text.startsWith('Layers: [') ? 1 : 2);
    expect(versionText(text, references[0])).toBe('7');
  });

  it('maps the token after escapes and doubled quotes', () => {
    const text = [
      `A: "tab\\there \\"quoted\\" ${arn}:sosw:31"`,
      `B: 'it''s ''${arn}:sosw:32'''`,
      `C: "\\u0061rn:aws:lambda:eu-west-1:123456789012:layer:sosw:33"`,
      '',
    ].join('\n');
    const { references } = find(text);

    expect(references.map((reference) => reference.version)).toEqual([
      31, 32, 33,
    ]);
    expect(versionText(text, references[0])).toBe('31');
    expect(versionText(text, references[1])).toBe('32');
    expect(versionText(text, references[2])).toBe('33');
  });

  it('leaves out the range of an escaped token', () => {
    const text = `A: "${arn}:sosw:\\x37"\n`;
    const { references } = find(text);

    expect(references).toHaveLength(1);
    expect(references[0].version).toBe(7);
    expect(references[0].versionRange).toBeUndefined();
  });

  it('maps tokens in block and multi-line scalars', () => {
    const text = `Literal: |  # ${arn}:sosw:1 in a comment
  first ${arn}:sosw:2
  second ${arn}:sosw:2
Folded: >-
  text
  ${arn}:sosw:3
Plain: one
  ${arn}:sosw:4
`;
    const { references } = find(text);

    expect(references.map((reference) => reference.version)).toEqual([
      2, 2, 3, 4,
    ]);
    expect(references.map((reference) => reference.line)).toEqual([2, 3, 6, 8]);
    expect(references[0].versionRange).not.toEqual(references[1].versionRange);
    for (const reference of references) {
      expect(versionText(text, reference)).toBe(String(reference.version));
    }
  });

  it('finds the placeholder token', () => {
    const text = `Layers:\n  - ${arn}:sosw-extras:SOSW_EXTRAS_LAYER_PLACEHOLDER\n`;
    const { references } = find(text);

    expect(references).toHaveLength(1);
    expect(references[0].layerName).toBe('sosw-extras');
    expect(references[0].version).toBe('placeholder');
    expect(versionText(text, references[0])).toBe(
      'SOSW_EXTRAS_LAYER_PLACEHOLDER',
    );
  });

  it('keeps sosw-extras apart from sosw', () => {
    const text = `A: ${arn}:sosw-extras:3\nB: ${arn}:sosw:4\nC: ${arn}:sosw_x:5\n`;
    const { references } = find(text);

    expect(references.map((reference) => reference.layerName)).toEqual([
      'sosw-extras',
      'sosw',
    ]);
  });

  it('ignores layers not in the list', () => {
    const text = `Layers:
  - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
  - arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53
  - arn:aws:lambda:us-east-1:123456789012:layer:sosw
`;
    expect(find(text).references).toEqual([]);
  });

  it('ignores ${} outside Fn::Sub', () => {
    const text = `A: arn:aws:lambda:\${AWS::Region}:123456789012:layer:sosw:1\n`;

    expect(find(text).references).toEqual([]);
  });

  it('reports an unknown version token without a version', () => {
    const text = `A: ${arn}:sosw:OTHER_TOKEN\n`;
    const { references } = find(text);

    expect(references).toHaveLength(1);
    expect(references[0].version).toBeUndefined();
    expect(references[0].versionRange).toBeUndefined();
  });

  it('finds an ARN in a parameter default', () => {
    const text = `Parameters:
  LayerArn:
    Type: String
    Default: ${arn}:sosw:9
`;
    const { references } = find(text);

    expect(references).toHaveLength(1);
    expect(references[0].logicalId).toBe('LayerArn');
    expect(references[0].parameterName).toBeUndefined();
    expect(versionText(text, references[0])).toBe('9');
  });
});

describe('findLayerReferences: Fn::Sub', () => {
  it('finds !Sub with pseudo parameters', () => {
    const text = `Globals:
  Function:
    Layers:
      - !Sub "${SUB_ARN}:sosw:SOSW_LAYER_PLACEHOLDER"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Layers:
        - !Sub '${SUB_ARN}:sosw:12'
        - Fn::Sub: ${SUB_ARN}:sosw-extras:13
`;
    const { references } = find(text);

    expect(references.map((reference) => reference.version)).toEqual([
      'placeholder',
      12,
      13,
    ]);
    expect(references[0].logicalId).toBeUndefined();
    expect(references[1].logicalId).toBe('Fn');
    expect(references[0].line).toBe(4);
    expect(references[0].column).toBe(15);
    expect(versionText(text, references[0])).toBe('SOSW_LAYER_PLACEHOLDER');
    expect(versionText(text, references[1])).toBe('12');
    expect(versionText(text, references[2])).toBe('13');
  });

  it('finds the list form with variables', () => {
    const text = `Layers:
  - !Sub
    - arn:aws:lambda:\${Region}:\${Account}:layer:sosw:\${Version}
    - Region: eu-west-1
      Account: '123456789012'
      Version: !ImportValue sosw-layer-arn
  - Fn::Sub:
      - 'arn:aws:lambda:\${AWS::Region}:123456789012:layer:sosw:5'
      - {}
`;
    const { references } = find(text);

    expect(references.map((reference) => reference.kind)).toEqual([
      'arn',
      'import-value',
      'arn',
    ]);
    expect(references[0].version).toBeUndefined();
    expect(references[0].versionRange).toBeUndefined();
    expect(references[2].version).toBe(5);
    expect(versionText(text, references[2])).toBe('5');
  });

  it('reads a version given as a list-form variable', () => {
    const text = `Layers:
  - !Sub
    - arn:aws:lambda:\${AWS::Region}:123456789012:layer:sosw:\${Version}
    - Version: 7
  - Fn::Sub:
      - 'arn:aws:lambda:\${AWS::Region}:123456789012:layer:sosw:\${V}'
      - { V: "SOSW_LAYER_PLACEHOLDER" }
  - !Sub
    - arn:aws:lambda:\${AWS::Region}:123456789012:layer:sosw:\${Missing}
    - Other: 1
`;
    const { references } = find(text);

    expect(references).toHaveLength(3);
    expect(references[0].version).toBe(7);
    expect(versionText(text, references[0])).toBe('7');
    expect(references[0].line).toBe(3);
    expect(references[1].version).toBe('placeholder');
    expect(versionText(text, references[1])).toBe('SOSW_LAYER_PLACEHOLDER');
    expect(references[2].version).toBeUndefined();
  });
});

describe('findLayerReferences: Fn::Join', () => {
  const text = `{
  "Resources": {
    "Fn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Layers": [
          { "Fn::Join": ["", [
            "arn:", { "Ref": "AWS::Partition" }, ":lambda:",
            { "Ref": "AWS::Region" }, ":", { "Ref": "AWS::AccountId" },
            ":layer:sosw:", "21"
          ]] },
          { "Fn::Join": [":", [
            "arn:aws:lambda", { "Ref": "AWS::Region" },
            { "Fn::FindInMap": ["Accounts", "Main", "Id"] },
            "layer", "sosw-extras", "SOSW_EXTRAS_LAYER_PLACEHOLDER"
          ]] },
          { "Fn::Join": ["", [
            { "Fn::Sub": "arn:\${AWS::Partition}:lambda:\${AWS::Region}:" },
            { "Ref": "AWS::AccountId" }, ":layer:sosw:22"
          ]] }
        ]
      }
    }
  }
}
`;

  it('finds ARNs built with Fn::Join', () => {
    const { references } = find(text, {}, 'apps/orders/template.json');

    expect(references.map((reference) => reference.version)).toEqual([
      21,
      'placeholder',
      22,
    ]);
    expect(references.map((reference) => reference.logicalId)).toEqual([
      'Fn',
      'Fn',
      'Fn',
    ]);
    expect(versionText(text, references[0])).toBe('21');
    expect(versionText(text, references[1])).toBe(
      'SOSW_EXTRAS_LAYER_PLACEHOLDER',
    );
    expect(versionText(text, references[2])).toBe('22');
  });

  it('finds the short form', () => {
    const yaml = `A: !Join ['', ['arn:aws:lambda:', !Ref AWS::Region, ':123456789012:layer:sosw:', '8']]\n`;
    const { references } = find(yaml);

    expect(references).toHaveLength(1);
    expect(versionText(yaml, references[0])).toBe('8');
  });
});

describe('findLayerReferences: Fn::ImportValue', () => {
  it('finds short and long forms', () => {
    const text = `Resources:
  Fn:
    Properties:
      Layers:
        - !ImportValue sosw-layer-arn
        - Fn::ImportValue: "sosw-extras-layer-arn"
        - !ImportValue
          'Fn::Sub': sosw-layer-arn
        - !ImportValue other-layer-arn
        - !ImportValue
          'Fn::Sub': \${Prefix}-layer-arn
`;
    const { references } = find(text);

    expect(references.map((reference) => reference.layerName)).toEqual([
      'sosw',
      'sosw-extras',
      'sosw',
    ]);
    expect(references.every((r) => r.kind === 'import-value')).toBe(true);
    expect(references[0].line).toBe(5);
    expect(references[0].column).toBe(24);
  });
});

describe('findLayerReferences: other cases', () => {
  it('ignores a Ref to a layer resource', () => {
    const text = `Resources:
  SoswLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: sosw
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers: [!Ref SoswLayer, { Ref: SoswLayer }]
`;
    expect(find(text).references).toEqual([]);
  });

  it('finds every reference in source order', () => {
    const text = `A: !Sub ${SUB_ARN}:sosw:1
B: '{{resolve:ssm:/lambda-layers/sosw/arn}}'
C: !ImportValue sosw-layer-arn
D: arn:aws:lambda:us-east-1:123456789012:layer:sosw:2,arn:aws:lambda:us-east-1:123456789012:layer:sosw:3
`;
    const { references } = find(text);

    expect(references.map((reference) => reference.line)).toEqual([
      1, 2, 3, 4, 4,
    ]);
    expect(references.map((reference) => reference.version)).toEqual([
      1,
      undefined,
      undefined,
      2,
      3,
    ]);
  });

  it('versionRange rewrites only the token', () => {
    const text = `# keep this comment
Layers:
  - !Sub "${SUB_ARN}:sosw:SOSW_LAYER_PLACEHOLDER"   # and this
  - 'arn:aws:lambda:eu-west-1:123456789012:layer:sosw-extras:41'\r
`;
    const before = find(text).references;
    let rewritten = text;
    for (const reference of [...before].reverse()) {
      const [start, end] = reference.versionRange ?? [0, 0];
      rewritten = rewritten.slice(0, start) + '42' + rewritten.slice(end);
    }
    const after = find(rewritten).references;

    expect(rewritten).toBe(
      text.replace('SOSW_LAYER_PLACEHOLDER', '42').replace(':41', ':42'),
    );
    expect(after.map((reference) => reference.version)).toEqual([42, 42]);
  });

  it('handles a byte order mark', () => {
    const text = `\ufeffA: arn:aws:lambda:us-east-1:123456789012:layer:sosw:6\n`;
    const { references } = find(text);

    expect(versionText(text, references[0])).toBe('6');
  });
});
