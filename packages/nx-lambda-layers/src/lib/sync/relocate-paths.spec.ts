import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findLocalCode } from '../deploy/local-paths';
import { parseTemplate } from '../template';
import { relocateLocalPaths } from './relocate-paths';

const SOURCE = 'apps/orders/template.yaml';
const OUTPUT = 'dist/apps/orders/template.yaml';

describe('relocateLocalPaths', () => {
  it('points relative paths back at the source folder', () => {
    const text = [
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      CodeUri: src/  # the handler',
      '  Legacy:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      "      Code: './legacy'",
      '  Api:',
      '    Type: AWS::Serverless::Api',
      '    Properties:',
      '      DefinitionUri: "api/openapi.yaml"',
      '',
    ].join('\r\n');

    expect(relocateLocalPaths(text, SOURCE, OUTPUT)).toBe(
      text
        .replace('CodeUri: src/', 'CodeUri: ../../../apps/orders/src/')
        .replace("Code: './legacy'", "Code: '../../../apps/orders/legacy'")
        .replace(
          'DefinitionUri: "api/openapi.yaml"',
          'DefinitionUri: "../../../apps/orders/api/openapi.yaml"',
        ),
    );
  });

  it('leaves remote, absolute and computed locations', () => {
    const text = [
      'Resources:',
      '  A:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      CodeUri: s3://bucket/code.zip',
      '  B:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      CodeUri: /opt/code',
      '  C:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      Code:',
      '        S3Bucket: bucket',
      '        S3Key: code.zip',
      '  D:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      CodeUri: !Sub "${Folder}/src"',
      '  E:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      CodeUri: src/',
      '',
    ].join('\n');

    expect(relocateLocalPaths(text, SOURCE, OUTPUT)).toBe(text);
  });

  it('rewrites a JSON template', () => {
    const text = `${JSON.stringify(
      {
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Code: 'build/fn.zip' },
          },
        },
      },
      null,
      2,
    )}\n`;

    expect(
      relocateLocalPaths(text, 'apps/orders/stack.json', 'out/stack.json'),
    ).toBe(text.replace('"build/fn.zip"', '"../apps/orders/build/fn.zip"'));
  });

  it('quotes a plain path that needs it', () => {
    const text = [
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      CodeUri: src',
      '',
    ].join('\n');

    expect(
      relocateLocalPaths(text, 'apps/my orders/template.yaml', 'dist/t.yaml'),
    ).toBe(text.replace('CodeUri: src', 'CodeUri: "../apps/my orders/src"'));
  });

  it('lets deploy find the source code from the copy', () => {
    const root = mkdtempSync(join(tmpdir(), 'relocate-'));
    try {
      mkdirSync(join(root, 'apps/orders/src'), { recursive: true });
      writeFileSync(
        join(root, 'apps/orders/src/app.py'),
        'def handler(e, c): pass\n',
      );
      const text = [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      CodeUri: src',
        '',
      ].join('\n');
      const copy = relocateLocalPaths(text, SOURCE, OUTPUT);
      mkdirSync(join(root, dirname(OUTPUT)), { recursive: true });
      writeFileSync(join(root, OUTPUT), copy);

      const found = findLocalCode(
        parseTemplate(copy, OUTPUT),
        join(root, dirname(OUTPUT)),
        join(root, 'apps/orders'),
      );

      expect(found.map((entry) => entry.absolutePath)).toEqual([
        join(root, 'apps/orders/src'),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
