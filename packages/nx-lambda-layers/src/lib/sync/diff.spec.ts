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
});
