import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  captureLogs,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import type { FailedRegion } from '../../lib/publish/run';
import {
  callsMatching,
  LayerWorkspace,
  recordingFactory,
} from '../../lib/publish/testing';
import publishLayerExecutor from './executor';

useEmulator();
const logs = captureLogs();

const REGIONS = ['us-east-1', 'eu-west-1'];

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

async function readParameter(region: string): Promise<string | undefined> {
  const output = await new SSMClient({ region }).send(
    new GetParameterCommand({ Name: workspace.ssmParameter }),
  );
  return output.Parameter?.Value;
}

async function createBucket(name: string, region: string): Promise<void> {
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

beforeEach(() => {
  layerCount += 1;
  workspace = new LayerWorkspace(`region-layer-${layerCount}`);
  workspace.writeLayerJson({ publish: { regions: REGIONS } });
  calls = [];
});

afterEach(() => {
  workspace.remove();
});

describe('publish-layer in several regions', () => {
  it('publishes in each region', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(true);
    const result = workspace.readResult();
    expect(result.regions.map((entry) => entry.region)).toEqual(REGIONS);
    for (const region of REGIONS) {
      const entry = result.regions.find((item) => item.region === region);
      expect(entry).toMatchObject({ version: 1, published: true });
      const arn = (entry as { layerVersionArn: string }).layerVersionArn;
      expect(arn).toMatch(new RegExp(`^arn:aws:lambda:${region}:`));
      expect(await readParameter(region)).toBe(arn);
    }
    expect(result.region).toBe('us-east-1');
  });

  it('region option overrides regions', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    await run({ region: 'eu-west-1' });

    expect(workspace.readResult().regions.map((item) => item.region)).toEqual([
      'eu-west-1',
    ]);
    expect(callsMatching(calls, /^us-east-1 /)).toEqual([]);
  });

  it('failed region does not stop others', async () => {
    // The bucket exists only in us-east-1, so eu-west-1 fails.
    workspace.writeLayerJson({
      publish: { regions: REGIONS, s3Bucket: `regions-${layerCount}-{region}` },
    });
    await createBucket(`regions-${layerCount}-us-east-1`, 'us-east-1');
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(false);
    const result = workspace.readResult();
    expect(result.success).toBe(false);
    expect(result.regions[0]).toMatchObject({
      region: 'us-east-1',
      published: true,
    });
    const failed = result.regions[1] as FailedRegion;
    expect(failed.region).toBe('eu-west-1');
    expect(failed.failed).toBe(true);
    expect(failed.error).toContain(`regions-${layerCount}-eu-west-1 not found`);
    expect(logs).toContain(
      'error: publish failed in eu-west-1; fix the cause and run the target ' +
        'again: regions that succeeded are not published again',
    );
  });

  it('rerun completes only the failed region', async () => {
    workspace.writeLayerJson({
      publish: { regions: REGIONS, s3Bucket: `rerun-${layerCount}-{region}` },
    });
    await createBucket(`rerun-${layerCount}-us-east-1`, 'us-east-1');
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    await createBucket(`rerun-${layerCount}-eu-west-1`, 'eu-west-1');
    calls.length = 0;

    const output = await run();

    expect(output.success).toBe(true);
    expect(
      callsMatching(calls, /PublishLayerVersion|PutObject|PutParameter/),
    ).toEqual([
      'eu-west-1 s3:PutObject',
      'eu-west-1 lambda:PublishLayerVersion',
      'eu-west-1 ssm:PutParameter',
    ]);
    const result = workspace.readResult();
    expect(result.regions).toMatchObject([
      { region: 'us-east-1', published: false, version: 1 },
      { region: 'eu-west-1', published: true, version: 1 },
    ]);
  });
});
