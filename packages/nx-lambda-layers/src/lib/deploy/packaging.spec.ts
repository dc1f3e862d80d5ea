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
