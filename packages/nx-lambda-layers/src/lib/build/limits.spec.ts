import { checkUnzippedSize, packageSizes } from './limits';

const entry = (name: string, size: number) => ({
  name: `python/${name}`,
  source: `/staging/${name}`,
  mode: 0o644,
  size,
});

describe('packageSizes', () => {
  it('sums sizes by top-level folder', () => {
    const sizes = packageSizes(
      [entry('a/x.py', 5), entry('b.py', 7), entry('a/y/z.py', 4)],
      'python/',
    );

    expect(sizes).toEqual([
      { name: 'a', bytes: 9 },
      { name: 'b.py', bytes: 7 },
    ]);
  });
});

describe('checkUnzippedSize', () => {
  it('accepts a tree at the limit', () => {
    expect(() =>
      checkUnzippedSize([entry('a.py', 100)], 'python/', 100),
    ).not.toThrow();
  });

  it('names the ten largest packages', () => {
    const entries = Array.from({ length: 12 }, (_, index) =>
      entry(`pkg${index}/m.py`, 1000 + index),
    );

    let message = '';
    try {
      checkUnzippedSize(entries, 'python/', 5000);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain("over Lambda's limit of 5000 bytes");
    expect(message).toContain('pkg11 1011 bytes, pkg10 1010 bytes');
    expect(message).toContain('pkg2 1002 bytes');
    expect(message).not.toContain('pkg1 1001');
  });
});
