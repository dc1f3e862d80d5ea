import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { normalizeLayerConfig } from '../layer-config';
import { findTemplateFiles, replaceFileContent } from './files';
import {
  summarize,
  syncFiles,
  type FileSyncResult,
  type SyncMode,
} from './sync';

const SOSW = normalizeLayerConfig(
  { layerName: 'sosw', ssmParameter: '/lambda-layers/sosw/arn' },
  'apps/sosw-layer/layer.json',
);

const ARN_SUB =
  'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER';

/** A SAM template with comments, an anchor, quoting and other layers. */
const TEMPLATE = [
  '# orders stack',
  'Transform: AWS::Serverless-2016-10-31',
  'Globals:',
  '  Function:',
  '    Layers:',
  `      - !Sub "${ARN_SUB}" # the sosw layer`,
  'Resources:',
  '  Orders:',
  '    Type: AWS::Serverless::Function',
  '    Properties:',
  '      Environment:',
  '        Variables: &vars',
  "          NAME: 'orders'",
  '  Reports:',
  '    Type: AWS::Lambda::Function',
  '    Properties:',
  '      Environment:',
  '        Variables: *vars',
  '      Layers:',
  "        - 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:3'",
  '        - arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:3',
  '',
].join('\n');

const SAM_CONFIG = [
  'version = 0.1',
  '[default.deploy.parameters]',
  'stack_name = "orders"',
  'parameter_overrides = "LayerArn=arn:aws:lambda:us-east-1:123456789012:layer:sosw:2 Other=x"',
  '',
].join('\n');

let workspaceRoot: string;

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'sync-files-'));
});

afterEach(() => {
  chmodAll(workspaceRoot);
  rmSync(workspaceRoot, { recursive: true, force: true });
});

/** Makes every file writable again so the folder can be removed. */
function chmodAll(folder: string) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) chmodAll(path);
    else if (entry.isFile()) chmodSync(path, 0o644);
  }
}

function write(path: string, content: string | Buffer) {
  const absolute = join(workspaceRoot, path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, content);
}

function read(path: string): string {
  return readFileSync(join(workspaceRoot, path), 'utf8');
}

async function sync(
  mode: SyncMode = 'write',
  version = 12,
  folders = ['apps'],
): Promise<FileSyncResult[]> {
  const search = await findTemplateFiles(workspaceRoot, folders);
  return syncFiles(search.files, {
    workspaceRoot,
    layers: [SOSW],
    versions: new Map([['sosw', version]]),
    mode,
  });
}

function resultFor(results: FileSyncResult[], path: string) {
  const result = results.find((candidate) => candidate.path === path);
  expect(result).toBeDefined();
  return result as FileSyncResult;
}

const SYNCED = TEMPLATE.replace(
  'sosw:SOSW_LAYER_PLACEHOLDER',
  'sosw:12',
).replace("layer:sosw:3'", "layer:sosw:12'");

describe('syncFiles: write', () => {
  it('rewrites only version tokens', async () => {
    write('apps/orders/template.yaml', TEMPLATE);

    const results = await sync();

    expect(read('apps/orders/template.yaml')).toBe(SYNCED);
    expect(resultFor(results, 'apps/orders/template.yaml').status).toBe(
      'changed',
    );
  });

  it('keeps CRLF and BOM bytes', async () => {
    const crlf = `\ufeff${TEMPLATE.replace(/\n/g, '\r\n')}`;
    write('apps/orders/template.yml', crlf);

    await sync();

    const bytes = readFileSync(join(workspaceRoot, 'apps/orders/template.yml'));
    const expected = Buffer.from(
      `\ufeff${SYNCED.replace(/\n/g, '\r\n')}`,
      'utf8',
    );
    expect(bytes.equals(expected)).toBe(true);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('second run changes nothing', async () => {
    write('apps/orders/template.yaml', TEMPLATE);
    await sync();
    const mtime = statSync(
      join(workspaceRoot, 'apps/orders/template.yaml'),
    ).mtimeMs;

    const results = await sync();

    expect(read('apps/orders/template.yaml')).toBe(SYNCED);
    expect(results[0].status).toBe('unchanged');
    expect(
      statSync(join(workspaceRoot, 'apps/orders/template.yaml')).mtimeMs,
    ).toBe(mtime);
  });

  it('updates numbered references again', async () => {
    write('apps/orders/template.yaml', TEMPLATE);
    await sync('write', 12);

    await sync('write', 13);

    expect(read('apps/orders/template.yaml')).toBe(
      SYNCED.replace(/layer:sosw:12/g, 'layer:sosw:13'),
    );
  });

  it('finds templates of any name, YAML and JSON', async () => {
    const json = JSON.stringify(
      {
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Layers: [
                'arn:aws:lambda:us-east-1:123456789012:layer:sosw:SOSW_LAYER_PLACEHOLDER',
              ],
            },
          },
        },
      },
      null,
      2,
    );
    write('apps/a/deep/nested/stack.json', json);
    write('apps/b/infra/functions.yml', TEMPLATE);

    const results = await sync();

    expect(read('apps/a/deep/nested/stack.json')).toBe(
      json.replace('SOSW_LAYER_PLACEHOLDER', '12'),
    );
    expect(read('apps/b/infra/functions.yml')).toBe(SYNCED);
    expect(summarize(results).references).toBe(3);
  });

  it('rewrites samconfig.toml parameter_overrides', async () => {
    write('apps/orders/samconfig.toml', SAM_CONFIG);

    await sync();

    expect(read('apps/orders/samconfig.toml')).toBe(
      SAM_CONFIG.replace('layer:sosw:2', 'layer:sosw:12'),
    );
  });
});

describe('syncFiles: concurrency', () => {
  /** Writes templates whose sizes differ, so their writes end out of order. */
  function writeManyTemplates(count: number): string[] {
    const paths: string[] = [];
    for (let index = 0; index < count; index++) {
      const path = `apps/stack-${String(index).padStart(2, '0')}/template.yaml`;
      write(path, `${'#\n'.repeat((count - index) * 200)}${TEMPLATE}`);
      paths.push(path);
    }
    return paths;
  }

  it.each([1, 4, 100])(
    'keeps file order, concurrency %i',
    async (concurrency) => {
      const paths = writeManyTemplates(12);
      const search = await findTemplateFiles(workspaceRoot, ['apps']);

      const results = await syncFiles(
        search.files,
        {
          workspaceRoot,
          layers: [SOSW],
          versions: new Map([['sosw', 12]]),
          mode: 'write',
        },
        concurrency,
      );

      expect(results.map((result) => result.path)).toEqual(paths);
      expect(results.every((result) => result.status === 'changed')).toBe(true);
      for (const path of paths) {
        expect(read(path).endsWith(SYNCED)).toBe(true);
      }
    },
  );

  it('one failure leaves the others', async () => {
    const paths = writeManyTemplates(6);
    chmodSync(join(workspaceRoot, paths[2]), 0o444);

    const results = await sync();

    expect(results.map((result) => result.status)).toEqual([
      'changed',
      'changed',
      'error',
      'changed',
      'changed',
      'changed',
    ]);
    expect(read(paths[2]).endsWith(TEMPLATE)).toBe(true);
  });

  it('leaves no temporary files', async () => {
    writeManyTemplates(8);

    await sync();

    const leftovers = readdirSync(workspaceRoot, { recursive: true }).filter(
      (name) => String(name).includes('.tmp-'),
    );
    expect(leftovers).toEqual([]);
  });
});

describe('syncFiles: check, dry run and render', () => {
  it('check lists stale references', async () => {
    write('apps/orders/template.yaml', TEMPLATE);

    const results = await sync('check');

    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(results[0].status).toBe('stale');
    expect(results[0].changes).toEqual([
      expect.objectContaining({ line: 6, from: 'SOSW_LAYER_PLACEHOLDER' }),
      expect.objectContaining({ line: 20, from: '3', to: '12' }),
    ]);
    expect(summarize(results).stale).toBe(1);
  });

  it('check passes after a sync', async () => {
    write('apps/orders/template.yaml', TEMPLATE);
    await sync();

    const results = await sync('check');

    expect(summarize(results).stale).toBe(0);
  });

  it('dry run returns a unified diff', async () => {
    write('apps/orders/template.yaml', TEMPLATE);

    const [result] = await sync('dry-run');

    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(result.diff).toBe(
      [
        '--- a/apps/orders/template.yaml',
        '+++ b/apps/orders/template.yaml',
        '@@ -3,7 +3,7 @@',
        'Globals:',
        '  Function:',
        '    Layers:',
        `-      - !Sub "${ARN_SUB}" # the sosw layer`,
        `+      - !Sub "${ARN_SUB.replace('SOSW_LAYER_PLACEHOLDER', '12')}" # the sosw layer`,
        ' Resources:',
        '   Orders:',
        '     Type: AWS::Serverless::Function',
        '@@ -17,5 +17,5 @@',
        '       Environment:',
        '         Variables: *vars',
        '       Layers:',
        "-        - 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:3'",
        "+        - 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:12'",
        '         - arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:3',
        '',
      ]
        .join('\n')
        .replace(/^(Globals:|  Function:|    Layers:)$/gm, ' $1'),
    );
  });

  it('render writes under dist only', async () => {
    write('apps/orders/template.yaml', TEMPLATE);
    write(
      'apps/other/template.yaml',
      'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n',
    );

    const results = await sync('render');

    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(read('dist/apps/orders/template.yaml')).toBe(SYNCED);
    expect(resultFor(results, 'apps/orders/template.yaml').outputPath).toBe(
      'dist/apps/orders/template.yaml',
    );
    expect(existsSync(join(workspaceRoot, 'dist/apps/other'))).toBe(false);
  });

  it('render keeps a private mode', async () => {
    write('apps/orders/template.yaml', TEMPLATE);
    chmodSync(join(workspaceRoot, 'apps/orders/template.yaml'), 0o600);

    await sync('render');

    const { mode } = statSync(
      join(workspaceRoot, 'dist/apps/orders/template.yaml'),
    );
    expect(mode & 0o777).toBe(0o600);
  });

  it('render output is not searched again', async () => {
    write('apps/orders/template.yaml', TEMPLATE);
    await sync('render', 12, ['.']);

    const results = await sync('check', 12, ['.']);

    expect(results.map((result) => result.path)).toEqual([
      'apps/orders/template.yaml',
    ]);
  });
});

describe('syncFiles: bad input', () => {
  it('invalid YAML fails alone', async () => {
    const invalid =
      'Resources:\n  Fn:\n    Type: [unclosed\n' +
      '    Layers: [arn:aws:lambda:us-east-1:123456789012:layer:sosw:3]\n';
    write('apps/a/template.yaml', invalid);
    write('apps/b/template.yaml', TEMPLATE);

    const results = await sync();

    const failed = resultFor(results, 'apps/a/template.yaml');
    expect(failed.status).toBe('error');
    expect(failed.error).toMatch(/^apps\/a\/template\.yaml:\d+:\d+: /);
    expect(failed.error).toMatch(/invalid YAML and was not changed/);
    expect(read('apps/a/template.yaml')).toBe(invalid);
    expect(read('apps/b/template.yaml')).toBe(SYNCED);
    expect(summarize(results).errors).toBe(1);
  });

  it('invalid JSON names line and column', async () => {
    write(
      'apps/a/template.json',
      '{\n  "Resources": {\n    "Fn": { "Type": "AWS::Lambda::Function", ' +
        '"Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:sosw:3"], }\n',
    );

    const [result] = await sync();

    expect(result.status).toBe('error');
    expect(result.error).toMatch(
      /^apps\/a\/template\.json:\d+:\d+: .+invalid JSON/,
    );
  });

  it('skips files that are not templates', async () => {
    write('apps/a/package.json', '{ "name": "sosw-orders" }');
    write('apps/a/tsconfig.json', '{\n  // sosw\n  "files": []\n}\n');
    write('apps/a/config.yaml', 'layer: sosw\n');

    const results = await sync();

    expect(results.map((result) => result.status)).toEqual([
      'not-a-template',
      'not-a-template',
      'not-a-template',
    ]);
    expect(summarize(results).templates).toBe(0);
  });

  it('does not parse files without the layer', async () => {
    const broken = '{ "Resources": { "Fn": [ }';
    write('apps/a/template.json', broken);
    write('apps/b/template.yaml', TEMPLATE.replace(/sosw/gi, 'other'));

    const results = await sync();

    expect(results.map((result) => result.status)).toEqual([
      'unrelated',
      'unrelated',
    ]);
    expect(summarize(results).errors).toBe(0);
  });

  it('rejects a file that is not UTF-8', async () => {
    const latin1 = Buffer.from(`# caf\xe9\n${TEMPLATE}`, 'latin1');
    write('apps/a/template.yaml', latin1);
    write('apps/b/template.yaml', TEMPLATE);

    const results = await sync();

    const failed = resultFor(results, 'apps/a/template.yaml');
    expect(failed.status).toBe('error');
    expect(failed.error).toBe(
      'apps/a/template.yaml is not valid UTF-8 text; save it as UTF-8 to sync it',
    );
    expect(readFileSync(join(workspaceRoot, 'apps/a/template.yaml'))).toEqual(
      latin1,
    );
    expect(read('apps/b/template.yaml')).toBe(SYNCED);
  });

  it('does not follow a symlink outside the workspace', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'sync-outside-'));
    try {
      writeFileSync(join(outside, 'template.yaml'), TEMPLATE);
      mkdirSync(join(workspaceRoot, 'apps/a'), { recursive: true });
      symlinkSync(
        join(outside, 'template.yaml'),
        join(workspaceRoot, 'apps/a/template.yaml'),
      );

      const search = await findTemplateFiles(workspaceRoot, ['apps']);
      const results = await sync();

      expect(results).toEqual([]);
      expect(search.skipped).toEqual([
        {
          path: 'apps/a/template.yaml',
          reason: expect.stringMatching(/^symlink leads outside the workspace/),
        },
      ]);
      expect(readFileSync(join(outside, 'template.yaml'), 'utf8')).toBe(
        TEMPLATE,
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('skips a FIFO with a template name', async () => {
    write('apps/b/template.yaml', TEMPLATE);
    const fifo = join(workspaceRoot, 'apps/a/template.yaml');
    mkdirSync(dirname(fifo), { recursive: true });
    const mkfifo = spawnSync('mkfifo', [fifo]);
    expect(mkfifo.status).toBe(0);

    // Only the search is run: reading a listed FIFO would block this
    // process until a writer opens it.
    const search = await findTemplateFiles(workspaceRoot, ['apps']);

    expect(search.files.map((file) => file.path)).toEqual([
      'apps/b/template.yaml',
    ]);
  });

  it('syncs a symlink target inside the workspace once', async () => {
    write('apps/shared/template.yaml', TEMPLATE);
    mkdirSync(join(workspaceRoot, 'apps/a'), { recursive: true });
    symlinkSync(
      join(workspaceRoot, 'apps/shared/template.yaml'),
      join(workspaceRoot, 'apps/a/template.yaml'),
    );

    const results = await sync();

    expect(results.map((result) => result.path)).toEqual([
      'apps/shared/template.yaml',
    ]);
    expect(read('apps/shared/template.yaml')).toBe(SYNCED);
  });

  it('read-only file fails alone', async () => {
    write('apps/a/template.yaml', TEMPLATE);
    write('apps/b/template.yaml', TEMPLATE);
    chmodSync(join(workspaceRoot, 'apps/a/template.yaml'), 0o444);

    const results = await sync();

    const failed = resultFor(results, 'apps/a/template.yaml');
    expect(failed.status).toBe('error');
    expect(failed.error).toBe(
      'apps/a/template.yaml is read-only; make it writable (chmod u+w) to sync it',
    );
    expect(read('apps/a/template.yaml')).toBe(TEMPLATE);
    expect(read('apps/b/template.yaml')).toBe(SYNCED);
  });

  it('interrupted write leaves the old file', async () => {
    write('apps/a/template.yaml', TEMPLATE);
    const path = join(workspaceRoot, 'apps/a/template.yaml');
    // Fault injection: the writer stores half the text, then fails as a
    // full disk would.
    const halfWrite = async (tempPath: string, text: string) => {
      await writeFile(tempPath, text.slice(0, text.length / 2));
      throw Object.assign(new Error('ENOSPC: no space left on device'), {
        code: 'ENOSPC',
      });
    };

    await expect(
      replaceFileContent(path, SYNCED, 'apps/a/template.yaml', halfWrite),
    ).rejects.toThrow(/ENOSPC/);

    expect(read('apps/a/template.yaml')).toBe(TEMPLATE);
    expect(readdirSync(join(workspaceRoot, 'apps/a'))).toEqual([
      'template.yaml',
    ]);
  });

  it('warns about a hard-linked file', async () => {
    write('apps/a/template.yaml', TEMPLATE);
    linkSync(
      join(workspaceRoot, 'apps/a/template.yaml'),
      join(workspaceRoot, 'apps/a/template.yaml.orig'),
    );

    const results = await sync();

    expect(resultFor(results, 'apps/a/template.yaml').warnings).toEqual([
      {
        source: 'apps/a/template.yaml',
        line: 1,
        column: 1,
        message:
          'had 2 hard links; only this path has the new text, so replace ' +
          'the other links with copies or symlinks',
      },
    ]);
    expect(read('apps/a/template.yaml')).toBe(SYNCED);
    expect(read('apps/a/template.yaml.orig')).toBe(TEMPLATE);
  });

  it('keeps the file mode', async () => {
    write('apps/a/template.yaml', TEMPLATE);
    chmodSync(join(workspaceRoot, 'apps/a/template.yaml'), 0o640);

    await sync();

    const { mode } = statSync(join(workspaceRoot, 'apps/a/template.yaml'));
    expect(mode & 0o777).toBe(0o640);
  });

  it('keeps the file mode under umask 077', async () => {
    write('apps/a/template.yaml', TEMPLATE);
    chmodSync(join(workspaceRoot, 'apps/a/template.yaml'), 0o644);
    const savedUmask = process.umask(0o077);
    try {
      await sync();
    } finally {
      process.umask(savedUmask);
    }

    expect(read('apps/a/template.yaml')).toBe(SYNCED);
    const { mode } = statSync(join(workspaceRoot, 'apps/a/template.yaml'));
    expect(mode & 0o777).toBe(0o644);
  });
});

describe('syncFiles: warnings', () => {
  it('reports unversioned resolve:ssm and ImportValue', async () => {
    write(
      'apps/a/template.yaml',
      [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Lambda::Function',
        '    Properties:',
        '      Layers:',
        "        - '{{resolve:ssm:/lambda-layers/sosw/arn}}'",
        '        - !ImportValue sosw-layer-arn',
        "        - '{{resolve:ssm:/lambda-layers/sosw/arn:4}}'",
        '',
      ].join('\n'),
    );

    const [result] = await sync();

    expect(result.warnings.map((w) => [w.line, w.message])).toEqual([
      [
        6,
        expect.stringMatching(
          /^unversioned \{\{resolve:ssm:...\}\} of layer sosw/,
        ),
      ],
      [7, expect.stringMatching(/^Fn::ImportValue of the ARN of layer sosw/)],
    ]);
  });

  it('reports too many layers and Globals merges', async () => {
    const arn = (n: number) =>
      `        - arn:aws:lambda:us-east-1:123456789012:layer:l${n}:1`;
    write(
      'apps/a/template.yaml',
      [
        'Globals:',
        '  Function:',
        '    Layers:',
        '      - arn:aws:lambda:us-east-1:123456789012:layer:sosw:1',
        '      - arn:aws:lambda:us-east-1:123456789012:layer:g2:1',
        'Resources:',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      Layers:',
        arn(1),
        arn(2),
        arn(3),
        arn(4),
        '  Plain:',
        '    Type: AWS::Lambda::Function',
        '    Properties:',
        '      Layers:',
        arn(1),
        arn(2),
        '',
      ].join('\n'),
    );

    const [result] = await sync('check');

    expect(result.warnings.map((w) => [w.line, w.message])).toEqual([
      [
        7,
        'function Fn sets Layers and Globals.Function.Layers sets them too: ' +
          'SAM merges both lists (2 from Globals first, then 4 of its own)',
      ],
      [7, 'function Fn has 6 layers; Lambda accepts at most 5'],
    ]);
  });
});
