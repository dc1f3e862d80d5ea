import { isMap, isScalar, YAMLMap, type Node } from 'yaml';
import {
  isCloudFormationTemplate,
  parseTemplate,
  positionOf,
  TemplateParseError,
  toCfnValue,
  topLevelValueOf,
  type ParsedTemplate,
} from './template';
import { describeRoot } from './template-readers/same-nodes';

const SAM_TEMPLATE = [
  'Transform: AWS::Serverless-2016-10-31',
  'Resources:',
  '  Fn:',
  '    Type: AWS::Serverless::Function',
  '    Properties:',
  '      Layers:',
  '        - !Sub arn:aws:lambda:${AWS::Region}:1:layer:sosw:3',
  '      Role: !GetAtt Role.Arn',
  '',
].join('\n');

describe('parseTemplate: read-only value', () => {
  it('equals the full parse', () => {
    const full = parseTemplate(SAM_TEMPLATE, 'template.yaml');
    const readOnly = parseTemplate(SAM_TEMPLATE, 'template.yaml', {
      readOnly: true,
    });

    expect(readOnly.value).toEqual(full.value);
  });

  it('returns the same object twice', () => {
    const template = parseTemplate(SAM_TEMPLATE, 'template.yaml', {
      readOnly: true,
    });

    expect(template.value).toBe(template.value);
  });
});

describe('toCfnValue: depth', () => {
  it('empties collections below the depth', () => {
    const template = parseTemplate(SAM_TEMPLATE, 'template.yaml');

    expect(toCfnValue(template.document.contents, 1)).toEqual({
      Transform: 'AWS::Serverless-2016-10-31',
      Resources: {},
    });
  });

  it('keeps the long form of a tagged collection', () => {
    const template = parseTemplate('Value: !Sub [a, {}]\n', 'x.yaml');

    expect(toCfnValue(template.document.contents, 1)).toEqual({
      Value: { 'Fn::Sub': [] },
    });
  });
});

describe('topLevelValueOf: template check', () => {
  const cases: Array<[string, string, boolean]> = [
    [
      'Resources mapping',
      'Resources:\n  A:\n    Type: AWS::SQS::Queue\n',
      true,
    ],
    ['Resources sequence', 'Resources:\n  - a\n', true],
    ['Resources flow mapping', 'Resources: {}\n', true],
    ['Resources empty', 'Resources:\n', false],
    ['Resources null', 'Resources: null\n', false],
    ['Resources string', 'Resources: none\n', false],
    ['Resources short form', 'Resources: !Ref Other\n', true],
    ['format version only', "AWSTemplateFormatVersion: '2010-09-09'\n", true],
    ['other mapping', 'name: app\nversion: 1\n', false],
    ['root sequence', '- Resources\n', false],
    ['root scalar', 'Resources\n', false],
    ['root short form', '!Ref Resources\n', false],
    [
      'JSON template',
      '{"Resources": {"A": {"Type": "AWS::SQS::Queue"}}}',
      true,
    ],
    ['JSON list', '[{"Resources": {}}]', false],
  ];

  it.each(cases)('matches the full value: %s', (_name, text, expected) => {
    const source = /^[[{]/.test(text) ? 'x.json' : 'x.yaml';
    const template = parseTemplate(text, source, { readOnly: true });

    expect(isCloudFormationTemplate(topLevelValueOf(template))).toBe(expected);
    expect(isCloudFormationTemplate(template.value)).toBe(expected);
  });
});

const BOM = '\ufeff';

const YAML_BODY = [
  "AWSTemplateFormatVersion: '2010-09-09'",
  'Resources:',
  '  Fn:',
  '    Type: AWS::Lambda::Function',
  '',
].join('\n');

const JSON_BODY =
  '{"AWSTemplateFormatVersion": "2010-09-09",\n' +
  ' "Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}\n';

const BOM_CASES: Array<[string, string, string]> = [
  ['YAML', 'template.yaml', YAML_BODY],
  ['JSON', 'template.json', JSON_BODY],
  ['CRLF YAML', 'template.yaml', YAML_BODY.replace(/\n/g, '\r\n')],
  ['CRLF JSON', 'template.json', JSON_BODY.replace(/\n/g, '\r\n')],
];

/** Returns the key node named `name` of a mapping node. */
function keyOf(node: unknown, name: string): Node {
  if (!isMap(node)) throw new Error('not a mapping');
  const pair = node.items.find(
    (item) => isScalar(item.key) && item.key.value === name,
  );
  if (!pair) throw new Error(`key ${name} not found`);
  return pair.key as Node;
}

/** Returns the source text of a node's value range. */
function sourceOf(template: ParsedTemplate, node: Node): string {
  const [start, end] = node.range ?? [0, 0];
  return template.text.slice(start, end);
}

describe('parseTemplate: byte order mark', () => {
  describe.each(BOM_CASES)('%s', (_name, source, body) => {
    const text = BOM + body;

    it.each([false, true])('reads the value, readOnly %s', (readOnly) => {
      const expected = parseTemplate(body, source).value;

      expect(parseTemplate(text, source, { readOnly }).value).toEqual(expected);
    });

    it('keeps the text unchanged', () => {
      expect(parseTemplate(text, source, { readOnly: true }).text).toBe(text);
    });

    it('reads with the fast reader', () => {
      const contents = parseTemplate(text, source, { readOnly: true }).document
        .contents;

      // The readers build nodes on a prototype below the library's class.
      expect(Object.getPrototypeOf(contents)).not.toBe(YAMLMap.prototype);
    });

    it('builds the same nodes both ways', () => {
      const full = parseTemplate(text, source);
      const readOnly = parseTemplate(text, source, { readOnly: true });

      expect(describeRoot(readOnly.document.contents)).toEqual(
        describeRoot(full.document.contents),
      );
    });

    it.each([false, true])('ranges skip the mark, readOnly %s', (readOnly) => {
      const template = parseTemplate(text, source, { readOnly });
      const contents = template.document.contents;
      const quote = source.endsWith('.json') ? '"' : '';

      expect(contents?.range?.[0]).toBe(1);
      expect(sourceOf(template, keyOf(contents, 'Resources'))).toBe(
        `${quote}Resources${quote}`,
      );
    });

    it.each([false, true])('column skips the mark, readOnly %s', (readOnly) => {
      const template = parseTemplate(text, source, { readOnly });
      const key = keyOf(template.document.contents, 'AWSTemplateFormatVersion');

      expect(positionOf(template, key.range?.[0] ?? -1)).toEqual({
        line: 1,
        column: source.endsWith('.json') ? 2 : 1,
      });
    });
  });
});

/** Returns the TemplateParseError that parsing throws, or fails. */
function parseError(
  text: string,
  source: string,
  readOnly: boolean,
): TemplateParseError {
  try {
    parseTemplate(text, source, { readOnly });
  } catch (error) {
    if (error instanceof TemplateParseError) return error;
    throw error;
  }
  throw new Error(`${source} parsed without an error`);
}

describe('parseTemplate: invalid JSON', () => {
  const cases: Array<[string, string, number, number]> = [
    ['trailing comma in object', '{"a": 1,\n "b": 2,\n}\n', 3, 1],
    ['single-quoted key', "{\n  'Resources': {}\n}\n", 2, 3],
    ['text after the value', '{}\n{}\n', 2, 1],
    ['comment', '{\n  // sosw\n  "files": []\n}\n', 2, 3],
    ['byte order mark and error', `${BOM}{"a": 1,}`, 1, 9],
    ['CRLF and error', '{"a": 1,\r\n "b": 2,\r\n}', 3, 1],
    // Node.js 20 gives no position for an unexpected token.
    ['trailing comma in array', '{"a": [1,\n 2,]}', 1, 1],
    ['single-quoted value', '{"a":\n  \'b\'}', 1, 1],
  ];

  describe.each([false, true])('readOnly %s', (readOnly) => {
    it.each(cases)('rejects %s', (_name, text, line, column) => {
      const error = parseError(text, 'template.json', readOnly);

      expect(error.reason).toMatch(/^invalid JSON: /);
      expect(error.line).toBe(line);
      expect(error.column).toBe(column);
    });

    it('keeps the message on one line', () => {
      const error = parseError('[1,\n2,]', 'template.json', readOnly);

      expect(error.message).not.toContain('\n');
    });

    it('reads deep valid JSON', () => {
      const text = `${'['.repeat(101)}${']'.repeat(101)}`;

      expect(() =>
        parseTemplate(text, 'template.json', { readOnly }),
      ).not.toThrow();
    });

    it('reads YAML with a trailing comma', () => {
      const template = parseTemplate('{a: 1,}\n', 'template.yaml', {
        readOnly,
      });

      expect(template.value).toEqual({ a: 1 });
    });
  });
});
