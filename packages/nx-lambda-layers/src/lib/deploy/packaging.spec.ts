import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  captureLogs,
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import { parseTemplate } from '../template';
import {
  findLocalCode,
  isExcludedFromCode,
  joinKey,
  packageLocalCode,
} from './packaging';
import { serializeTemplate } from './template-body';

useEmulator();
captureLogs();

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Code: src
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
  Uploaded:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://bucket/key.zip
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer
  Bundle:
    Type: AWS::Lambda::Function
    Properties:
      Code: bundle.zip
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        ZipFile: "def handler(e, c): pass"
`;

let projectDir: string;

function writeFiles(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = join(projectDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

beforeEach(() => {
  projectDir = mkdtempSync(join(tmpdir(), 'packaging-spec-'));
  writeFiles({
    'src/app.py': 'def handler(event, context):\n    return 1\n',
    'layer/python/lib.py': 'VALUE = 1\n',
    'bundle.zip': 'PK\u0005\u0006' + '\u0000'.repeat(18),
  });
});

afterEach(() => {
  rmSync(projectDir, { recursive: true, force: true });
});

describe('findLocalCode', () => {
  it('finds local paths of each type', () => {
    const template = parseTemplate(TEMPLATE, 'template.yaml');

    const found = findLocalCode(template, projectDir, projectDir);

    expect(
      found.map((code) => [code.logicalId, code.property, code.form]),
    ).toEqual([
      ['Plain', 'Code', 'object'],
      ['Sam', 'CodeUri', 'uri'],
      ['Layer', 'ContentUri', 'uri'],
      ['Bundle', 'Code', 'object'],
    ]);
    expect(found[0].absolutePath).toBe(join(projectDir, 'src'));
  });

  it('path leaving the project fails', () => {
    const template = parseTemplate(
      'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n' +
        '    Properties:\n      Code: ../shared-code\n',
      'apps/a/template.yaml',
    );

    expect(() => findLocalCode(template, projectDir, projectDir)).toThrow(
      'apps/a/template.yaml: Fn.Code "../shared-code" is outside the project folder',
    );
  });

  it('sibling folder with the same prefix fails', () => {
    const template = parseTemplate(
      'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n' +
        `    Properties:\n      Code: ../${projectDir.split('/').pop()}-other\n`,
      'template.yaml',
    );

    expect(() => findLocalCode(template, projectDir, projectDir)).toThrow(
      'outside the project folder',
    );
  });

  it('missing path fails', () => {
    const template = parseTemplate(
      'Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n' +
        '    Properties:\n      CodeUri: dist/\n',
      'template.yaml',
    );

    expect(() => findLocalCode(template, projectDir, projectDir)).toThrow(
      'template.yaml: Fn.CodeUri "dist/" not found',
    );
  });
});

describe('isExcludedFromCode', () => {
  it.each([
    ['__pycache__', true],
    ['pkg/__pycache__', true],
    ['app.pyc', true],
    ['tests', true],
    ['pkg/tests/test_a.py', true],
    ['app.py', false],
    ['testsuite.py', false],
    ['contests/app.py', false],
  ])('%s -> %s', (path, expected) => {
    expect(isExcludedFromCode(path)).toBe(expected);
  });
});

describe('joinKey', () => {
  it.each([
    ['', 'a.zip', 'a.zip'],
    ['orders', 'a.zip', 'orders/a.zip'],
    ['/orders/', 'a.zip', 'orders/a.zip'],
  ])('%j + %s', (prefix, name, expected) => {
    expect(joinKey(prefix, name)).toBe(expected);
  });
});

describe('packageLocalCode', () => {
  const bucket = 'packaging-spec';

  beforeAll(async () => {
    await new S3Client({ forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket }),
    );
  });

  it('same folder is uploaded once', async () => {
    const template = parseTemplate(TEMPLATE, 'template.yaml');
    const code = findLocalCode(template, projectDir, projectDir);
    const s3 = new S3Client({ forcePathStyle: true });
    // Records the commands sent through the real client.
    const sent = recordCommands(s3);

    await packageLocalCode(template, code, { bucket, prefix: 'p' }, s3);

    // Plain and Sam share src/, so four code entries make three uploads.
    const puts = sent.filter((name) => name === 'PutObjectCommand');
    expect(puts).toHaveLength(3);
    const value = parseTemplate(serializeTemplate(template), 'sent.yaml')
      .value as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const plain = value.Resources.Plain.Properties.Code as { S3Key: string };
    expect(plain).toEqual({
      S3Bucket: bucket,
      S3Key: expect.stringMatching(/^p\/[0-9a-f]{64}\.zip$/),
    });
    expect(value.Resources.Sam.Properties.CodeUri).toBe(
      `s3://${bucket}/${plain.S3Key}`,
    );
    expect(value.Resources.Uploaded.Properties.CodeUri).toBe(
      's3://bucket/key.zip',
    );
  });

  it('second run uploads nothing', async () => {
    const s3 = new S3Client({ forcePathStyle: true });
    const first = parseTemplate(TEMPLATE, 'template.yaml');
    await packageLocalCode(
      first,
      findLocalCode(first, projectDir, projectDir),
      { bucket, prefix: 'again' },
      s3,
    );
    const second = parseTemplate(TEMPLATE, 'template.yaml');
    const sent = recordCommands(s3);

    await packageLocalCode(
      second,
      findLocalCode(second, projectDir, projectDir),
      { bucket, prefix: 'again' },
      s3,
    );

    expect(sent).toContain('HeadObjectCommand');
    expect(sent).not.toContain('PutObjectCommand');
    expect(serializeTemplate(second)).toBe(serializeTemplate(first));
  });
});

describe('packageLocalCode with definitions and nested templates', () => {
  const bucket = 'packaging-spec-nested';
  const location = { bucket, prefix: '' };
  const nested = () => ({ region: 'us-east-1', projectDir });

  beforeAll(async () => {
    await new S3Client({ forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket }),
    );
  });

  function sentResources(template: ReturnType<typeof parseTemplate>) {
    const value = parseTemplate(serializeTemplate(template), 'sent.yaml')
      .value as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    return value.Resources;
  }

  it('definitions are uploaded as is', async () => {
    writeFiles({ 'api.yaml': 'openapi: "3.0.1"\n', 'flow.json': '{}\n' });
    const template = parseTemplate(
      'Resources:\n' +
        '  Api:\n    Type: AWS::Serverless::Api\n' +
        '    Properties:\n      DefinitionUri: api.yaml\n' +
        '  Rest:\n    Type: AWS::ApiGateway::RestApi\n' +
        '    Properties:\n      BodyS3Location: api.yaml\n' +
        '  Flow:\n    Type: AWS::StepFunctions::StateMachine\n' +
        '    Properties:\n      DefinitionS3Location: flow.json\n',
      'template.yaml',
    );
    const code = findLocalCode(template, projectDir, projectDir);

    await packageLocalCode(template, code, location, s3(), nested());

    const resources = sentResources(template);
    const apiKey = String(resources.Api.Properties.DefinitionUri).replace(
      `s3://${bucket}/`,
      '',
    );
    expect(apiKey).toMatch(/^[0-9a-f]{64}\.yaml$/);
    expect(resources.Rest.Properties.BodyS3Location).toEqual({
      Bucket: bucket,
      Key: apiKey,
    });
    expect(resources.Flow.Properties.DefinitionS3Location).toEqual({
      Bucket: bucket,
      Key: expect.stringMatching(/^[0-9a-f]{64}\.json$/),
    });
  });

  it('nested template is packaged first', async () => {
    writeFiles({
      'stacks/child.yaml':
        'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n' +
        '    Properties:\n      Code: ../src\n',
    });
    const template = parseTemplate(
      'Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n' +
        '    Properties:\n      TemplateURL: stacks/child.yaml\n' +
        '  App:\n    Type: AWS::Serverless::Application\n' +
        '    Properties:\n      Location: stacks/child.yaml\n',
      'template.yaml',
    );
    const code = findLocalCode(template, projectDir, projectDir);

    await packageLocalCode(template, code, location, s3(), nested());

    const resources = sentResources(template);
    const url = String(resources.Child.Properties.TemplateURL);
    expect(url).toMatch(
      new RegExp(
        `^https://s3\\.us-east-1\\.amazonaws\\.com/${bucket}/` +
          '[0-9a-f]{64}\\.template$',
      ),
    );
    expect(resources.App.Properties.Location).toBe(url);
    const key = url.split('/').pop();
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const object = await s3().send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
    );
    const child = await object.Body?.transformToString();
    expect(child).toMatch(/S3Key: [0-9a-f]{64}\.zip/);
  });

  it('template that includes itself fails', async () => {
    writeFiles({
      'stacks/loop.yaml':
        'Resources:\n  Again:\n    Type: AWS::CloudFormation::Stack\n' +
        '    Properties:\n      TemplateURL: loop.yaml\n',
    });
    const template = parseTemplate(
      'Resources:\n  Loop:\n    Type: AWS::CloudFormation::Stack\n' +
        '    Properties:\n      TemplateURL: stacks/loop.yaml\n',
      'template.yaml',
    );
    const code = findLocalCode(template, projectDir, projectDir);

    await expect(
      packageLocalCode(template, code, location, s3(), nested()),
    ).rejects.toThrow(
      'Again.TemplateURL "loop.yaml" includes a template that includes it',
    );
  });

  it('folder as a definition fails', async () => {
    const template = parseTemplate(
      'Resources:\n  Api:\n    Type: AWS::Serverless::Api\n' +
        '    Properties:\n      DefinitionUri: src\n',
      'template.yaml',
    );
    const code = findLocalCode(template, projectDir, projectDir);

    await expect(
      packageLocalCode(template, code, location, s3(), nested()),
    ).rejects.toThrow(
      'Api.DefinitionUri "src" is a folder; point it at a file',
    );
  });

  it('folder with no code fails before upload', async () => {
    writeFiles({ 'only-tests/tests/test_app.py': 'def test(): pass\n' });
    const template = parseTemplate(
      'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n' +
        '    Properties:\n      Code: only-tests\n',
      'template.yaml',
    );
    const code = findLocalCode(template, projectDir, projectDir);
    const client = s3();
    const sent = recordCommands(client);

    await expect(
      packageLocalCode(template, code, location, client, nested()),
    ).rejects.toThrow(
      'Fn.Code "only-tests" contains no files to zip (__pycache__, tests ' +
        'and .pyc files are left out); point it at the folder of the ' +
        'function code',
    );
    expect(sent).not.toContain('PutObjectCommand');
  });

  it('missing bucket names bucket and fix', async () => {
    const template = parseTemplate(TEMPLATE, 'template.yaml');
    const code = findLocalCode(template, projectDir, projectDir);

    await expect(
      packageLocalCode(
        template,
        code,
        { bucket: 'packaging-spec-absent', prefix: '' },
        s3(),
        nested(),
      ),
    ).rejects.toThrow(
      'S3 bucket packaging-spec-absent not found; create it, fix the ' +
        '`s3Bucket` option or `s3_bucket` in samconfig.toml, or set ' +
        '`resolveS3` to use a managed bucket',
    );
  });

  it('remote locations are left alone', () => {
    const template = parseTemplate(
      'Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n' +
        '    Properties:\n' +
        '      TemplateURL: https://s3.amazonaws.com/b/child.yaml\n',
      'template.yaml',
    );

    expect(findLocalCode(template, projectDir, projectDir)).toEqual([]);
  });
});

function s3(): S3Client {
  return new S3Client({ forcePathStyle: true });
}
