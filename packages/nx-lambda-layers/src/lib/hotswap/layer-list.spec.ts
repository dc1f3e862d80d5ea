import { replaceLayerVersions, splitLayerVersionArn } from './layer-list';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:layer';

describe('replaceLayerVersions', () => {
  it('replaces only the changed layer', () => {
    const current = [`${ARN}:a:1`, `${ARN}:sosw:3`, `${ARN}:b:7`];

    expect(replaceLayerVersions(current, [`${ARN}:sosw:4`])).toEqual([
      `${ARN}:a:1`,
      `${ARN}:sosw:4`,
      `${ARN}:b:7`,
    ]);
  });

  it('adds no layer the function lacks', () => {
    expect(replaceLayerVersions([`${ARN}:a:1`], [`${ARN}:sosw:4`])).toEqual([
      `${ARN}:a:1`,
    ]);
  });

  it('keeps layers of other accounts and regions', () => {
    const current = [
      'arn:aws:lambda:eu-west-1:123456789012:layer:sosw:3',
      'arn:aws:lambda:us-east-1:999999999999:layer:sosw:3',
    ];

    expect(replaceLayerVersions(current, [`${ARN}:sosw:4`])).toEqual(current);
  });

  it('does not mix up sosw and sosw-extras', () => {
    expect(
      replaceLayerVersions([`${ARN}:sosw-extras:2`], [`${ARN}:sosw:4`]),
    ).toEqual([`${ARN}:sosw-extras:2`]);
  });

  it('rejects an invalid new ARN', () => {
    expect(() => replaceLayerVersions([], [`${ARN}:sosw`])).toThrow(
      /invalid layer version ARN ".*:layer:sosw"/,
    );
  });
});

describe('splitLayerVersionArn', () => {
  it('splits a version ARN', () => {
    expect(splitLayerVersionArn(`${ARN}:sosw:12`)).toEqual({
      layerArn: `${ARN}:sosw`,
      version: 12,
    });
  });

  it('rejects an unversioned ARN', () => {
    expect(splitLayerVersionArn(`${ARN}:sosw`)).toBeUndefined();
  });
});
