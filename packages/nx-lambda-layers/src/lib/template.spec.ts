import {
  isCloudFormationTemplate,
  parseTemplate,
  toCfnValue,
  topLevelValueOf,
} from './template';

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
