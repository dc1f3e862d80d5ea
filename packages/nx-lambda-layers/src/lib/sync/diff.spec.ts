import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unifiedDiff } from './diff';

const lines = (count: number) =>
  Array.from({ length: count }, (_, index) => `line ${index + 1}`);

describe('unifiedDiff', () => {
  it('returns nothing for equal texts', () => {
    expect(unifiedDiff('a.yaml', 'x\n', 'x\n')).toBe('');
  });

  it('splits distant changes into hunks', () => {
    const before = lines(20);
    const after = [...before];
    after[1] = 'changed 2';
    after[17] = 'changed 18';

    const diff = unifiedDiff('a.yaml', before.join('\n'), after.join('\n'));

    expect(diff).toBe(
      [
        '--- a/a.yaml',
        '+++ b/a.yaml',
        '@@ -1,5 +1,5 @@',
        ' line 1',
        '-line 2',
        '+changed 2',
        ' line 3',
        ' line 4',
        ' line 5',
        '@@ -15,6 +15,6 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        '+changed 18',
        ' line 19',
        ' line 20',
        '\\ No newline at end of file',
        '',
      ].join('\n'),
    );
  });

  it('counts inserted lines', () => {
    const before = lines(4);
    const after = ['line 1', 'new a', 'new b', ...before.slice(1)];

    const diff = unifiedDiff('a.yaml', before.join('\n'), after.join('\n'));

    expect(diff.split('\n').slice(2, 5)).toEqual([
      '@@ -1,4 +1,6 @@',
      ' line 1',
      '+new a',
    ]);
  });

  it('keeps CRLF line endings', () => {
    const diff = unifiedDiff('a.yaml', 'a\r\nb\r\n', 'a\r\nc\r\n');

    expect(diff).toBe(
      '--- a/a.yaml\n+++ b/a.yaml\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n',
    );
  });

  it('marks both sides without newline', () => {
    const diff = unifiedDiff('a.yaml', 'a\nb', 'a\nc');

    expect(diff.split('\n').slice(2)).toEqual([
      '@@ -1,2 +1,2 @@',
      ' a',
      '-b',
      '\\ No newline at end of file',
      '+c',
      '\\ No newline at end of file',
      '',
    ]);
  });

  it('marks unchanged last line once', () => {
    const diff = unifiedDiff('a.yaml', 'a\nb', 'x\nb');

    expect(diff.split('\n').slice(2)).toEqual([
      '@@ -1,2 +1,2 @@',
      '-a',
      '+x',
      ' b',
      '\\ No newline at end of file',
      '',
    ]);
  });

  it('shows an added final newline', () => {
    const diff = unifiedDiff('a.yaml', 'a\nb', 'a\nb\n');

    expect(diff.split('\n').slice(2)).toEqual([
      '@@ -1,2 +1,2 @@',
      ' a',
      '-b',
      '\\ No newline at end of file',
      '+b',
      '',
    ]);
  });

  it('shows a removed final newline', () => {
    const diff = unifiedDiff('a.yaml', 'a\r\nb\r\n', 'a\r\nc');

    expect(diff.split('\n').slice(2)).toEqual([
      '@@ -1,2 +1,2 @@',
      ' a\r',
      '-b\r',
      '+c',
      '\\ No newline at end of file',
      '',
    ]);
  });
});

describe('unifiedDiff with git apply', () => {
  const gitVersion = spawnSync('git', ['--version'], { encoding: 'utf8' });
  const itWithGit = gitVersion.status === 0 ? it : it.skip;

  let repository: string;

  beforeAll(() => {
    repository = mkdtempSync(join(tmpdir(), 'unified-diff-'));
    if (gitVersion.status === 0) git('init', '--quiet');
  });

  afterAll(() => {
    rmSync(repository, { recursive: true, force: true });
  });

  /** Runs git in the temporary repository, whatever the caller's GIT_DIR. */
  function git(...args: string[]) {
    const env = { ...process.env };
    delete env.GIT_DIR;
    delete env.GIT_WORK_TREE;
    delete env.GIT_INDEX_FILE;
    return spawnSync('git', args, { cwd: repository, encoding: 'utf8', env });
  }

  const layerLines = [
    'Resources:',
    '  Fn:',
    '    Type: AWS::Lambda::Function',
    '    Properties:',
    '      Layers:',
  ];
  const oldItem = '        - arn:aws:lambda:us-east-1:1:layer:sosw:4';
  const newItem = '        - arn:aws:lambda:us-east-1:1:layer:sosw:5';
  const cases: Array<[string, string, string]> = [
    [
      'both without newline',
      [...layerLines, oldItem].join('\n'),
      [...layerLines, newItem].join('\n'),
    ],
    [
      'old without newline',
      [...layerLines, oldItem].join('\n'),
      [...layerLines, newItem, ''].join('\n'),
    ],
    [
      'new without newline',
      [...layerLines, oldItem, ''].join('\n'),
      [...layerLines, newItem].join('\n'),
    ],
    [
      'context without newline',
      [...layerLines, oldItem, '# end'].join('\n'),
      [...layerLines, newItem, '# end'].join('\n'),
    ],
    [
      'CRLF without newline',
      [...layerLines, oldItem].join('\r\n'),
      [...layerLines, newItem].join('\r\n'),
    ],
  ];

  itWithGit.each(cases)('applies diff: %s', (name, before, after) => {
    const file = `${name.replace(/ /g, '-')}.yaml`;
    const patch = join(repository, `${file}.patch`);
    writeFileSync(join(repository, file), before);
    writeFileSync(patch, unifiedDiff(file, before, after));

    const check = git('apply', '--check', patch);
    const apply = git('apply', patch);

    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(apply.status).toBe(0);
    expect(readFileSync(join(repository, file), 'utf8')).toBe(after);
  });
});
