import { parseTemplate } from '../template';
import {
  hasTransform,
  RESOLVED_PARAMETERS_KEY,
  serializeTemplate,
  setResourceProperty,
  stampResolvedParameters,
} from './template-body';

const YAML_TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
# Kept comment.
Metadata:
  Owner: team-a
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: src
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TABLE: !Sub "\${AWS::StackName}-table"
`;

const RESOLVED = {
  LayerArn: {
    Parameter: '/layers/sosw/arn',
    Value: 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:4',
  },
};

describe('stampResolvedParameters', () => {
  it('merges into YAML Metadata', () => {
    const template = parseTemplate(YAML_TEMPLATE, 'template.yaml');

    stampResolvedParameters(template, RESOLVED);
    const sent = parseTemplate(serializeTemplate(template), 'sent.yaml');

    expect(sent.value).toMatchObject({
      Metadata: { Owner: 'team-a', [RESOLVED_PARAMETERS_KEY]: RESOLVED },
    });
  });

  it('keeps short forms and comments', () => {
    const template = parseTemplate(YAML_TEMPLATE, 'template.yaml');

    stampResolvedParameters(template, RESOLVED);
    const text = serializeTemplate(template);

    expect(text).toContain('Role: !GetAtt Role.Arn');
    expect(text).toContain('TABLE: !Sub "${AWS::StackName}-table"');
    expect(text).toContain('# Kept comment.');
  });

  it('adds Metadata to JSON', () => {
    const template = parseTemplate(
      JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: { Fn: { Type: 'AWS::Lambda::Function' } },
      }),
      'template.json',
    );

    stampResolvedParameters(template, RESOLVED);
    const sent = JSON.parse(serializeTemplate(template));

    expect(sent.Metadata).toEqual({ [RESOLVED_PARAMETERS_KEY]: RESOLVED });
    expect(sent.Resources.Fn.Type).toBe('AWS::Lambda::Function');
  });

  it('non-mapping Metadata fails', () => {
    const template = parseTemplate(
      'Metadata: text\nResources: {}\n',
      'template.yaml',
    );

    expect(() => stampResolvedParameters(template, RESOLVED)).toThrow(
      'template.yaml: Metadata must be a mapping',
    );
  });
});

describe('setResourceProperty', () => {
  it('replaces Code in the sent text only', () => {
    const template = parseTemplate(YAML_TEMPLATE, 'template.yaml');

    setResourceProperty(template, 'Fn', 'Code', {
      S3Bucket: 'bucket',
      S3Key: 'prefix/abc.zip',
    });
    const sent = parseTemplate(serializeTemplate(template), 'sent.yaml');

    expect(sent.value).toMatchObject({
      Resources: {
        Fn: {
          Properties: { Code: { S3Bucket: 'bucket', S3Key: 'prefix/abc.zip' } },
        },
      },
    });
    expect(template.text).toBe(YAML_TEMPLATE);
  });
});

describe('hasTransform', () => {
  it.each([
    [{ Transform: 'AWS::Serverless-2016-10-31' }, true],
    [{ Transform: ['AWS::Serverless-2016-10-31'] }, true],
    [{ Resources: {} }, false],
  ])('%j -> %s', (value, expected) => {
    expect(hasTransform(value)).toBe(expected);
  });
});
