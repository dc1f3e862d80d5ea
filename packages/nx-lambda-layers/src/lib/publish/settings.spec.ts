import { normalizeLayerConfig } from '../layer-config';
import {
  checkDirectUploadSize,
  expandBucketName,
  MAX_DIRECT_UPLOAD_BYTES,
  mergePublishSettings,
  ssmParameterName,
  versionDescription,
} from './settings';

const config = normalizeLayerConfig(
  {
    layerName: 'sosw',
    ssmParameter: '/lambda-layers/sosw/arn',
    publish: {
      s3Bucket: 'app-control-{accountId}',
      s3Prefix: 'lambda_layers/',
      regions: ['us-east-1', 'eu-west-1'],
      ssmParameters: { prod: '/prod/sosw/arn' },
      keepVersions: 5,
    },
  },
  'layer.json',
);

describe('mergePublishSettings', () => {
  it('reads layer.json publish block', () => {
    const settings = mergePublishSettings(config, {});

    expect(settings).toMatchObject({
      mode: 'direct',
      regions: ['us-east-1', 'eu-west-1'],
      s3Bucket: 'app-control-{accountId}',
      s3Prefix: 'lambda_layers/',
      ssmParameter: '/lambda-layers/sosw/arn',
      keepVersions: 5,
      stackTemplate: 'layer-stack.yaml',
      stackName: 'sosw-layer',
      shareWithAccounts: [],
    });
  });

  it('options override layer.json', () => {
    const settings = mergePublishSettings(config, {
      s3Bucket: 'other',
      regions: ['ap-south-1'],
      keepVersions: 2,
      mode: 'cloudformation',
    });

    expect(settings.s3Bucket).toBe('other');
    expect(settings.regions).toEqual(['ap-south-1']);
    expect(settings.keepVersions).toBe(2);
    expect(settings.mode).toBe('cloudformation');
  });

  it('region option wins over regions', () => {
    expect(
      mergePublishSettings(config, { region: 'sa-east-1' }).regions,
    ).toEqual(['sa-east-1']);
  });

  it('no regions means default region', () => {
    const plain = normalizeLayerConfig(
      { layerName: 'x', ssmParameter: '/x' },
      'layer.json',
    );
    expect(mergePublishSettings(plain, {}).regions).toEqual([undefined]);
  });

  it.each([0, -1, 1.5])('rejects keepVersions %p', (keepVersions) => {
    expect(() => mergePublishSettings(config, { keepVersions })).toThrow(
      `invalid keepVersions ${keepVersions}`,
    );
  });
});

describe('ssmParameterName', () => {
  it('option wins', () => {
    expect(
      ssmParameterName(config, { ssmParameter: '/a', environment: 'prod' }),
    ).toBe('/a');
  });

  it('environment picks its entry', () => {
    expect(ssmParameterName(config, { environment: 'prod' })).toBe(
      '/prod/sosw/arn',
    );
  });

  it.each([['bad name'], ['lambda-layers/sosw/arn'], ['/a/b#c']])(
    'invalid name %j is rejected',
    (name) => {
      expect(() => ssmParameterName(config, { ssmParameter: name })).toThrow(
        `invalid SSM parameter name ${JSON.stringify(name)}; `,
      );
    },
  );

  it('unknown environment lists known ones', () => {
    expect(() => ssmParameterName(config, { environment: 'dev' })).toThrow(
      'environments in layer.json publish.ssmParameters: prod',
    );
  });
});

describe('expandBucketName', () => {
  it('replaces account and region', () => {
    expect(
      expandBucketName('layers-{accountId}-{region}', '123', 'eu-west-1'),
    ).toBe('layers-123-eu-west-1');
  });
});

describe('checkDirectUploadSize', () => {
  it('allows 50 MB without bucket', () => {
    expect(() =>
      checkDirectUploadSize(
        MAX_DIRECT_UPLOAD_BYTES,
        { mode: 'direct' },
        'layer.zip',
      ),
    ).not.toThrow();
  });

  it('rejects larger zip without bucket', () => {
    expect(() =>
      checkDirectUploadSize(
        MAX_DIRECT_UPLOAD_BYTES + 1,
        { mode: 'direct' },
        'layer.zip',
      ),
    ).toThrow('layer.zip is 52428801 bytes');
  });

  it('allows larger zip with bucket', () => {
    expect(() =>
      checkDirectUploadSize(
        MAX_DIRECT_UPLOAD_BYTES + 1,
        { mode: 'direct', s3Bucket: 'b' },
        'layer.zip',
      ),
    ).not.toThrow();
  });
});

describe('versionDescription', () => {
  const sha256 = 'a'.repeat(64);

  it('joins text, hash and packages', () => {
    expect(
      versionDescription('sosw layer', {
        sha256,
        packages: [
          { name: 'bson', version: '0.5.10' },
          { name: 'sosw', version: '0.7.45' },
        ],
      }),
    ).toBe(`sosw layer | sha256:${sha256} | bson==0.5.10 sosw==0.7.45`);
  });

  it('cuts to 256 characters', () => {
    const packages = Array.from({ length: 30 }, (_, index) => ({
      name: `package-${index}`,
      version: '1.0.0',
    }));

    const text = versionDescription(undefined, { sha256, packages });

    expect(text).toHaveLength(256);
    expect(text.startsWith(`sha256:${sha256} | package-0==1.0.0`)).toBe(true);
    expect(text.endsWith('...')).toBe(true);
  });
});
