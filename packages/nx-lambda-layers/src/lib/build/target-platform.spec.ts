import { layoutPrefix, targetPipArgs, targetPlatform } from './target-platform';

describe('targetPlatform', () => {
  it('uses Amazon Linux 2 glibc for python3.11', () => {
    const target = targetPlatform('python3.11', 'x86_64');

    expect(target.pythonVersion).toBe('3.11');
    expect(target.platforms[0]).toBe('manylinux_2_26_x86_64');
    expect(target.platforms).toContain('manylinux2014_x86_64');
    expect(target.platforms).toContain('manylinux1_x86_64');
    expect(target.platforms).not.toContain('manylinux_2_28_x86_64');
  });

  it('uses Amazon Linux 2023 glibc for python3.12', () => {
    const target = targetPlatform('python3.12', 'arm64');

    expect(target.platforms[0]).toBe('manylinux_2_34_aarch64');
    expect(target.platforms).toContain('manylinux_2_17_aarch64');
    expect(target.platforms[target.platforms.length - 1]).toBe(
      'manylinux2014_aarch64',
    );
    expect(target.platforms.some((tag) => tag.includes('x86_64'))).toBe(false);
  });

  it('rejects an unknown runtime and architecture', () => {
    expect(() => targetPlatform('nodejs20.x')).toThrow(
      'invalid runtime "nodejs20.x"',
    );
    expect(() => targetPlatform('python3.12', 'ppc64le')).toThrow(
      'invalid architecture "ppc64le"; set it to x86_64 or arm64',
    );
  });
});

describe('targetPipArgs', () => {
  const target = targetPlatform('python3.13', 'x86_64');

  it('adds only-binary to a run with dependencies', () => {
    const args = targetPipArgs(target, false);

    expect(args.slice(0, 2)).toEqual(['--platform', 'manylinux_2_34_x86_64']);
    expect(args.slice(-5)).toEqual([
      '--implementation',
      'cp',
      '--python-version',
      '3.13',
      '--only-binary=:all:',
    ]);
  });

  it('leaves source builds to a no-deps run', () => {
    expect(targetPipArgs(target, true)).not.toContain('--only-binary=:all:');
  });
});

describe('layoutPrefix', () => {
  it('returns both layouts', () => {
    expect(layoutPrefix(undefined, undefined)).toBe('python/');
    expect(layoutPrefix('site-packages', 'python3.10')).toBe(
      'python/lib/python3.10/site-packages/',
    );
  });

  it('rejects an unknown layout', () => {
    expect(() => layoutPrefix('opt', 'python3.12')).toThrow(
      'invalid layout "opt"',
    );
  });
});
