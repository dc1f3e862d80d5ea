import { normalizeLayerConfig, type LayerConfig } from '../layer-config';
import { parseTemplate } from '../template';
import { applyEdits, renderLayerVersions } from './render';

const SOSW = normalizeLayerConfig(
  { layerName: 'sosw', ssmParameter: '/lambda-layers/sosw/arn' },
  'apps/sosw-layer/layer.json',
);
const EXTRAS = normalizeLayerConfig(
  { layerName: 'sosw-extras', ssmParameter: '/lambda-layers/sosw-extras/arn' },
  'apps/extras-layer/layer.json',
);
const LAYERS: LayerConfig[] = [SOSW, EXTRAS];

function render(
  text: string,
  versions: Record<string, number> = { sosw: 12 },
  source = 'apps/orders/template.yaml',
) {
  const versionMap = new Map(Object.entries(versions));
  const rendered = renderLayerVersions(
    parseTemplate(text, source),
    LAYERS,
    versionMap,
  );
  // The faster readers of read-only parses must render the same text.
  const quick = parseTemplate(text, source, { readOnly: true });
  expect(renderLayerVersions(quick, LAYERS, versionMap)).toEqual(rendered);
  return rendered;
}

/** Joins lines with `\n`, ending with one. */
function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** Returns the 1-based column where `token` starts on a 1-based line. */
function columnOf(text: string, line: number, token: string): number {
  const row = text.split('\n')[line - 1];
  expect(row).toContain(token);
  return row.indexOf(token) + 1;
}

const SAM_TEMPLATE = lines(
  '# Orders API: uses the sosw layer',
  "AWSTemplateFormatVersion: '2010-09-09'",
  'Transform: AWS::Serverless-2016-10-31',
  'Globals:',
  '  Function: &defaults',
  '    Runtime: python3.12',
  '    Layers:',
  '      - !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER"  # keep',
  'Resources:',
  '  Orders:',
  '    Type: AWS::Serverless::Function',
  '    Properties:',
  '      <<: *defaults',
  '      Handler: app.handler',
  '      Layers:',
  "        - 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:3'",
  '        - arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:3',
  '        - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68',
  '  Reports:',
  '    Type: AWS::Lambda::Function',
  '    Properties:',
  '      Layers:',
  '        - !Sub',
  '          - arn:${AWS::Partition}:lambda:${AWS::Region}:${Account}:layer:sosw:${Version}',
  '          - Account: !Ref AWS::AccountId',
  '            Version: "7"',
  '        - !Join [":", [arn, !Ref AWS::Partition, lambda, !Ref AWS::Region, !Ref AWS::AccountId, layer, sosw, 11]]',
);

describe('renderLayerVersions: YAML', () => {
  it('changes only the version tokens', () => {
    const { text, changes } = render(SAM_TEMPLATE);

    expect(text).toBe(
      SAM_TEMPLATE.replace(':sosw:SOSW_LAYER_PLACEHOLDER"', ':sosw:12"')
        .replace(":layer:sosw:3'", ":layer:sosw:12'")
        .replace('Version: "7"', 'Version: "12"')
        .replace('sosw, 11]]', 'sosw, 12]]'),
    );
    expect(changes).toEqual([
      {
        layerName: 'sosw',
        line: 8,
        column: columnOf(SAM_TEMPLATE, 8, ':SOSW_LAYER_PLACEHOLDER') + 1,
        from: 'SOSW_LAYER_PLACEHOLDER',
        to: '12',
      },
      {
        layerName: 'sosw',
        line: 16,
        column: columnOf(SAM_TEMPLATE, 16, ":3'") + 1,
        from: '3',
        to: '12',
      },
      {
        layerName: 'sosw',
        line: 26,
        column: columnOf(SAM_TEMPLATE, 26, '7"'),
        from: '7',
        to: '12',
      },
      {
        layerName: 'sosw',
        line: 27,
        column: columnOf(SAM_TEMPLATE, 27, '11]]'),
        from: '11',
        to: '12',
      },
    ]);
  });

  it('reports a computed ${Version} token as skipped', () => {
    const computed = SAM_TEMPLATE.replace(
      'Version: "7"',
      'Version: !ImportValue sosw-version',
    );
    const { skipped } = render(computed);

    expect(skipped).toHaveLength(1);
    expect(skipped[0].line).toBe(24);
    expect(skipped[0].reason).toMatch(
      /neither a number nor the layer placeholder/,
    );
  });

  it('rewrites a Sub variable used twice', () => {
    const arn = 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw';
    const text = lines(
      'Resources:',
      '  Fn:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Description: !Sub',
      `        - "${arn}:\${V} and ${arn}:\${V}"`,
      '        - V: 3',
    );

    const { text: rendered, changes } = render(text);

    expect(rendered).toBe(text.replace('V: 3', 'V: 12'));
    expect(changes).toEqual([
      {
        layerName: 'sosw',
        line: 7,
        column: columnOf(text, 7, '3'),
        from: '3',
        to: '12',
      },
    ]);
  });

  it('names the skipped version token', () => {
    const arn = 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw';
    const text = lines(
      'Resources:',
      '  Fn:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Layers:',
      `        - !Sub ["${arn}:\${Missing}", {}]`,
      `        - !Sub ["${arn}:\${V}", {V: latest}]`,
      `        - !Sub ["${arn}:\${V}", {V: !Ref LayerVersion}]`,
    );

    const { skipped } = render(text);

    expect(skipped.map((reference) => reference.reason)).toEqual([
      'layer ARN not updated: its version "${Missing}" is neither a number ' +
        'nor the layer placeholder; write the version as plain text',
      'layer ARN not updated: its version "latest" is neither a number ' +
        'nor the layer placeholder; write the version as plain text',
      'layer ARN not updated: its version "!Ref LayerVersion" is neither a ' +
        'number nor the layer placeholder; write the version as plain text',
    ]);
  });

  it('second run changes nothing', () => {
    const first = render(SAM_TEMPLATE);
    const second = render(first.text);

    expect(second.text).toBe(first.text);
    expect(second.changes).toEqual([]);
  });

  it('updates numbered references again', () => {
    const first = render(SAM_TEMPLATE, { sosw: 12 });
    const second = render(first.text, { sosw: 13 });

    expect(second.text).toBe(
      first.text
        .replace(/:sosw:12\b/g, ':sosw:13')
        .replace('Version: "12"', 'Version: "13"')
        .replace('sosw, 12]]', 'sosw, 13]]'),
    );
    expect(second.changes.map((change) => change.from)).toEqual([
      '12',
      '12',
      '12',
      '12',
    ]);
  });

  it('keeps CRLF line endings and a BOM', () => {
    const crlf = `\ufeff${SAM_TEMPLATE.replace(/\n/g, '\r\n')}`;
    const expected = `\ufeff${render(SAM_TEMPLATE).text.replace(/\n/g, '\r\n')}`;

    const { text, changes } = render(crlf);

    expect(text).toBe(expected);
    expect(changes).toHaveLength(4);
  });

  it('changes the other layer only when asked', () => {
    const { text } = render(SAM_TEMPLATE, { 'sosw-extras': 9 });

    expect(text).toBe(
      SAM_TEMPLATE.replace(':layer:sosw-extras:3', ':layer:sosw-extras:9'),
    );
  });

  it('leaves a template without the layer unchanged', () => {
    const template = lines(
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:other:4]',
    );

    const { text, changes } = render(template);

    expect(text).toBe(template);
    expect(changes).toEqual([]);
  });

  it('rewrites block, folded and quoted scalars', () => {
    const template = lines(
      'Parameters:',
      '  LayerArn:',
      '    Type: String',
      '    Default: >-',
      '      arn:aws:lambda:us-east-1:123456789012:layer:sosw:4',
      'Resources:',
      '  Fn:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Layers:',
      "        - 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:SOSW_LAYER_PLACEHOLDER'",
      '        - "arn:aws:lambda:us-east-1:123456789012:\\',
      '          layer:sosw:5"',
    );

    const { text } = render(template);

    expect(text).toBe(
      template
        .replace('sosw:4', 'sosw:12')
        .replace('sosw:SOSW_LAYER_PLACEHOLDER', 'sosw:12')
        .replace('sosw:5', 'sosw:12'),
    );
  });

  it('skips a token written with escapes', () => {
    const template = lines(
      'Resources:',
      '  Fn:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Layers: ["arn:aws:lambda:us-east-1:123456789012:layer:sosw:\\x37"]',
    );

    const { text, skipped } = render(template);

    expect(text).toBe(template);
    expect(skipped[0].reason).toMatch(/escapes/);
  });
});

describe('renderLayerVersions: JSON', () => {
  const json = `{
  "Resources": {
    "Fn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Layers": [
          { "Fn::Sub": "arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER" },
          { "Fn::Join": [":", ["arn:aws:lambda", { "Ref": "AWS::Region" }, { "Ref": "AWS::AccountId" }, "layer:sosw", "2"]] },
          { "Fn::Join": ["", ["arn:aws:lambda:", { "Ref": "AWS::Region" }, ":", { "Ref": "AWS::AccountId" }, ":layer:sosw:SOSW_LAYER_PLACEHOLDER"]] },
          "arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:2"
        ]
      }
    }
  }
}
`;

  it('rewrites Fn::Sub and Fn::Join', () => {
    const { text, changes } = render(json, { sosw: 40 }, 'template.json');

    expect(text).toBe(
      json
        .replace('sosw:SOSW_LAYER_PLACEHOLDER" }', 'sosw:40" }')
        .replace('"layer:sosw", "2"', '"layer:sosw", "40"')
        .replace(':layer:sosw:SOSW_LAYER_PLACEHOLDER"]]', ':layer:sosw:40"]]'),
    );
    expect(changes).toHaveLength(3);
    expect(JSON.parse(text)).toBeDefined();
  });
});

describe('applyEdits', () => {
  it('applies edits in any order', () => {
    const edits = [
      { start: 6, end: 7, replacement: 'Y' },
      { start: 0, end: 1, replacement: 'X' },
    ];

    expect(applyEdits('abcdefgh', edits)).toBe('XbcdefYh');
  });

  it('rejects overlapping edits', () => {
    const edits = [
      { start: 0, end: 3, replacement: 'X' },
      { start: 2, end: 4, replacement: 'Y' },
    ];

    expect(() => applyEdits('abcdefgh', edits)).toThrow(/overlapping edits/);
  });
});
