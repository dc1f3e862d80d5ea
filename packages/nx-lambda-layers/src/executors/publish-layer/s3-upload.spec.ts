import {
  GetLayerVersionCommand,
  LambdaClient,
  ListLayerVersionsCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  captureLogs,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  callsMatching,
  LayerWorkspace,
  recordingFactory,
} from '../../lib/publish/testing';
import publishLayerExecutor from './executor';

useEmulator();
const logs = captureLogs();

/** moto's account id. */
const ACCOUNT_ID = '123456789012';

let workspace: LayerWorkspace;
let layerCount = 0;
let calls: string[];

function run(options: Parameters<typeof publishLayerExecutor>[0] = {}) {
  return publishLayerExecutor(
    options,
    workspace.context(),
    recordingFactory(calls),
  );
}

function s3(): S3Client {
  return new S3Client({ forcePathStyle: true });
}

async function createBucket(name: string, region = 'us-east-1') {
  await new S3Client({ region, forcePathStyle: true }).send(
    new CreateBucketCommand({
      Bucket: name,
      CreateBucketConfiguration:
        region === 'us-east-1'
          ? undefined
          : { LocationConstraint: 'eu-west-1' },
    }),
  );
}

async function listVersions(): Promise<number[]> {
  const output = await new LambdaClient({}).send(
    new ListLayerVersionsCommand({ LayerName: workspace.layerName }),
  );
  return (output.LayerVersions ?? []).map((item) => item.Version ?? 0).sort();
}

function errorLines(): string {
  return logs.filter((line) => line.startsWith('error:')).join('\n');
}

beforeEach(async () => {
  layerCount += 1;
  workspace = new LayerWorkspace(`s3-layer-${layerCount}`);
  workspace.writeLayerJson({
    publish: {
      s3Bucket: `app-control-{accountId}-{region}-${layerCount}`,
      s3Prefix: 'lambda_layers/',
    },
  });
  calls = [];
});

afterEach(() => {
  workspace.remove();
});

describe('publish-layer through S3', () => {
  it('uploads to a key with the SHA-256', async () => {
    const bucket = `app-control-${ACCOUNT_ID}-us-east-1-${layerCount}`;
    await createBucket(bucket);
    const manifest = await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(true);
    const key = `lambda_layers/${workspace.layerName}-${manifest.sha256}.zip`;
    const head = await s3().send(
      new HeadObjectCommand({ Bucket: bucket, Key: key }),
    );
    expect(head.ContentLength).toBe(manifest.zipBytes);
    expect(calls).toContain('us-east-1 s3:PutObject');
    const result = workspace.readResult();
    expect(result.regions[0]).toMatchObject({
      s3Location: { bucket, key },
      uploaded: true,
    });
    const version = await new LambdaClient({}).send(
      new GetLayerVersionCommand({
        LayerName: workspace.layerName,
        VersionNumber: 1,
      }),
    );
    expect(version.Content?.CodeSha256).toBe(manifest.sha256Base64);
  });

  it('second publish makes no upload', async () => {
    await createBucket(`app-control-${ACCOUNT_ID}-us-east-1-${layerCount}`);
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    calls.length = 0;

    const output = await run();

    expect(output.success).toBe(true);
    expect(callsMatching(calls, /s3:/)).toEqual([]);
    expect(calls).not.toContain('us-east-1 lambda:PublishLayerVersion');
    expect(await listVersions()).toEqual([1]);
  });

  it('force reuses the uploaded object', async () => {
    await createBucket(`app-control-${ACCOUNT_ID}-us-east-1-${layerCount}`);
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    calls.length = 0;

    await run({ force: true });

    expect(calls).toContain('us-east-1 s3:HeadObject');
    expect(calls).not.toContain('us-east-1 s3:PutObject');
    expect(calls).toContain('us-east-1 lambda:PublishLayerVersion');
    expect(logs.join('\n')).toContain('(same SHA-256), not uploading');
    expect(await listVersions()).toEqual([1, 2]);
  });

  it('large zip uploads in parts', async () => {
    await createBucket(`app-control-${ACCOUNT_ID}-us-east-1-${layerCount}`);
    // Over two 8 MiB parts.
    const manifest = await workspace.writeBuild('X = 1\n', 17 * 1024 * 1024);

    const output = await run();

    expect(output.success).toBe(true);
    expect(calls).toContain('us-east-1 s3:CreateMultipartUpload');
    expect(callsMatching(calls, /s3:UploadPart$/)).toHaveLength(3);
    expect(calls).toContain('us-east-1 s3:CompleteMultipartUpload');
    const text = logs.join('\n');
    expect(text).toContain(`uploading ${manifest.zipBytes} bytes`);
    expect(text).toContain('in 3 parts');
    expect(text).toMatch(/uploaded \d+ of \d+ bytes \(\d+%\)/);
    expect(text).toContain(`(100%)`);
    expect(workspace.readResult().codeSha256).toBe(manifest.sha256Base64);
  });

  it('missing bucket fails before publishing', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(false);
    expect(calls).not.toContain('us-east-1 lambda:PublishLayerVersion');
    expect(errorLines()).toContain(
      `S3 bucket app-control-${ACCOUNT_ID}-us-east-1-${layerCount} not found`,
    );
    expect(errorLines()).toContain('create it in us-east-1');
  });

  it('bucket in another region fails', async () => {
    const bucket = `layers-eu-${layerCount}`;
    await createBucket(bucket, 'eu-west-1');
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({ s3Bucket: bucket });

    expect(output.success).toBe(false);
    expect(calls).not.toContain('us-east-1 lambda:PublishLayerVersion');
    expect(errorLines()).toContain(
      `S3 bucket ${bucket} is in eu-west-1, not us-east-1`,
    );
  });

  it('dry run lists the upload', async () => {
    await createBucket(`app-control-${ACCOUNT_ID}-us-east-1-${layerCount}`);
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({ dryRun: true });

    expect(output.success).toBe(true);
    expect(callsMatching(calls, /PutObject|Publish|PutParameter/)).toEqual([]);
    const text = logs.join('\n');
    expect(text).toContain('dry run: would call PutObject in us-east-1');
    expect(text).toMatch(/"Body":"<\d+ bytes>"/);
    expect(text).toContain('"S3Key":"lambda_layers/');
  });
});
