import {
  canonicalPackageName,
  requirementLines,
  requirementName,
  splitRequirements,
} from './requirements';

describe('requirementLines', () => {
  it('joins continuations and drops comments', () => {
    const text =
      '# layer packages\n' +
      'requests>=2 \\\n' +
      '  --hash=sha256:abc\n' +
      '\n' +
      'bson==0.5.10  # no deps\r\n' +
      'url#fragment\n';

    expect(requirementLines(text)).toEqual([
      'requests>=2   --hash=sha256:abc',
      'bson==0.5.10',
      'url#fragment',
    ]);
  });
});

describe('requirementName', () => {
  it.each([
    ['sosw==2.7.1', 'sosw'],
    ['aws_lambda_powertools[tracer]>=2', 'aws_lambda_powertools'],
    ['bson ; python_version >= "3.10"', 'bson'],
    ['sosw @ git+https://github.com/sosw/sosw.git@main', 'sosw'],
    ['git+https://github.com/sosw/sosw.git@dev#egg=sosw', 'sosw'],
    ['./wheels/demo-1.0-py3-none-any.whl', undefined],
    ['https://example.com/pkg.zip', undefined],
    ['--index-url https://example.com/simple', undefined],
  ])('reads %s', (line, expected) => {
    expect(requirementName(line)).toBe(expected);
  });
});

describe('canonicalPackageName', () => {
  it('normalizes case and separators', () => {
    expect(canonicalPackageName('AWS_Lambda.Powertools')).toBe(
      'aws-lambda-powertools',
    );
  });
});

describe('splitRequirements', () => {
  const text = [
    '--index-url https://pypi.example.com/simple',
    '-c constraints.txt',
    '-r base.txt',
    'SOSW @ git+https://github.com/sosw/sosw.git@dev',
    'aws-lambda-powertools',
    'bson==0.5.10',
    'requests',
  ].join('\n');

  it('moves noDependencies to the --no-deps run', () => {
    const split = splitRequirements(
      text,
      ['sosw', 'BSON'],
      '/ws/apps/layer',
      'apps/layer/requirements.txt',
    );

    expect(split.withDependencies).toEqual([
      '--index-url https://pypi.example.com/simple',
      '-c /ws/apps/layer/constraints.txt',
      '-r /ws/apps/layer/base.txt',
      'aws-lambda-powertools',
      'requests',
    ]);
    expect(split.withoutDependencies).toEqual([
      '--index-url https://pypi.example.com/simple',
      '-c /ws/apps/layer/constraints.txt',
      'SOSW @ git+https://github.com/sosw/sosw.git@dev',
      'bson==0.5.10',
    ]);
    expect(split.hasRequirementsWithDependencies).toBe(true);
  });

  it('reports only options left for the first run', () => {
    const split = splitRequirements(
      '--pre\nsosw\n',
      ['sosw'],
      '/ws',
      'requirements.txt',
    );

    expect(split.withDependencies).toEqual(['--pre']);
    expect(split.withoutDependencies).toEqual(['--pre', 'sosw']);
    expect(split.hasRequirementsWithDependencies).toBe(false);
  });

  it('counts a nested -r file as requirements', () => {
    const split = splitRequirements(
      '-r other.txt\nsosw\n',
      ['sosw'],
      '/ws',
      'requirements.txt',
    );

    expect(split.hasRequirementsWithDependencies).toBe(true);
  });

  it('rejects names the file does not list', () => {
    expect(() =>
      splitRequirements('requests\n', ['sosw', 'bson'], '/ws', 'reqs.txt'),
    ).toThrow(
      'noDependencies names sosw, bson, which reqs.txt does not list; add the ' +
        'requirement to the file or remove the name from noDependencies',
    );
  });
});
