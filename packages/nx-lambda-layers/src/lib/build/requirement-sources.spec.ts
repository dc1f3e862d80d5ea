import {
  applyGitRef,
  isGitRequirement,
  unpinnedRequirements,
} from './requirement-sources';

describe('applyGitRef', () => {
  it('replaces the ref of a git URL', () => {
    expect(
      applyGitRef(
        [
          'requests==2.32.3',
          'git+https://github.com/sosw/sosw.git@master#egg=sosw',
        ],
        'feature/x',
      ),
    ).toEqual([
      'requests==2.32.3',
      'git+https://github.com/sosw/sosw.git@feature/x#egg=sosw',
    ]);
  });

  it('adds a ref and keeps the user of ssh URLs', () => {
    expect(
      applyGitRef(['sosw @ git+ssh://git@github.com/sosw/sosw.git'], 'v2'),
    ).toEqual(['sosw @ git+ssh://git@github.com/sosw/sosw.git@v2']);
  });

  it('rejects zero or two git requirements', () => {
    expect(() => applyGitRef(['sosw==2.7.1'], 'main')).toThrow(
      'needs exactly one requirement from git, but none installs',
    );
    const two = ['git+https://h/a.git@x#egg=a', 'git+https://h/b.git#egg=b'];
    expect(() => applyGitRef(two, 'main')).toThrow('but 2 install from git');
  });

  it('rejects a ref with spaces', () => {
    expect(() => applyGitRef(['git+https://h/a.git'], 'a b')).toThrow(
      'invalid ref "a b"',
    );
  });
});

describe('unpinnedRequirements', () => {
  it('lists requirements without one version', () => {
    const lines = [
      'requests==2.32.3',
      'boto3>=1.34',
      'pymongo',
      'bson==0.5.*',
      'attrs[tests]===23.2.0; python_version >= "3.8"',
      '--no-index',
      './libs/python/shared',
      'git+https://h/a.git@main#egg=a',
      `git+https://h/b.git@${'a'.repeat(40)}#egg=b`,
      'greeting==1.0.0 --hash=sha256:c764a978',
      'other==3.0.0 --hash=sha256:54f0 --hash=sha256:17f9',
      'old==1.0; python_version < "3.8" --hash=sha256:17f9',
      'loose>=1 --hash=sha256:17f9',
    ];

    expect(unpinnedRequirements(lines)).toEqual([
      'boto3>=1.34',
      'pymongo',
      'bson==0.5.*',
      'git+https://h/a.git@main#egg=a',
      'loose>=1 --hash=sha256:17f9',
    ]);
  });
});

describe('isGitRequirement', () => {
  it('recognizes both git forms', () => {
    expect(isGitRequirement('git+file:///tmp/repo@main#egg=a')).toBe(true);
    expect(isGitRequirement('a @ git+https://h/a.git')).toBe(true);
    expect(isGitRequirement('a==1.0')).toBe(false);
  });
});
