import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetLayerVersionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  captureLogs,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  callsMatching,
  LayerWorkspace,
  PROJECT_ROOT,
  recordingFactory,
} from '../../lib/publish/testing';
import publishLayerExecutor from './executor';

useEmulator();
const logs = captureLogs();

/** The sosw layer's own stack template, deployed here with a small layer. */
const LAYER_STACK = readFileSync(
  join(__dirname, '../../../../../apps/sosw-layer/layer-stack.yaml'),
  'utf8',
);

let workspace: LayerWorkspace;
let layerCount = 0;
let calls: string[];
let bucket: string;

function run(options: Parameters<typeof publishLayerExecutor>[0] = {}) {
  return publishLayerExecutor(
    options,
    workspace.context(),
    recordingFactory(calls),
  );
}

async function readParameter(): Promise<string | undefined> {
  const output = await new SSMClient({}).send(
    new GetParameterCommand({ Name: workspace.ssmParameter }),
  );
  return output.Parameter?.Value;
}

async function stackParameters(): Promise<Record<string, string>> {
  const output = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: `${workspace.layerName}-layer` }),
  );
  return Object.fromEntries(
    (output.Stacks?.[0]?.Parameters ?? []).map((item) => [
      String(item.ParameterKey),
      String(item.ParameterValue),
    ]),
  );
}

beforeEach(async () => {
  layerCount += 1;
  workspace = new LayerWorkspace(`stack-layer-${layerCount}`);
  bucket = `layer-stack-${layerCount}`;
  await new S3Client({ forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: bucket }),
  );
  workspace.writeLayerJson({
    publish: { mode: 'cloudformation', s3Bucket: bucket, s3Prefix: 'layers/' },
  });
  workspace.writeFile(join(PROJECT_ROOT, 'layer-stack.yaml'), LAYER_STACK);
  calls = [];
});

afterEach(() => {
  workspace.remove();
});

describe('publish-layer mode cloudformation', () => {
  it('deploys the stack with the zip key', async () => {
    const manifest = await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(true);
    expect(calls).toContain('us-east-1 cloudformation:CreateChangeSet');
    expect(calls).not.toContain('us-east-1 lambda:PublishLayerVersion');
    const key = `layers/${workspace.layerName}-${manifest.sha256}.zip`;
    expect(await stackParameters()).toMatchObject({
      LayerZipBucket: bucket,
      LayerZipKey: key,
      // Empty, so publish-layer writes the parameter and not the stack.
      VersionParameterName: '',
    });
    const result = workspace.readResult();
    expect(result.published).toBe(true);
    expect(result.layerVersionArn).toMatch(/^arn:aws:lambda:us-east-1:.*:\d+$/);
    expect(result.codeSha256).toBe(manifest.sha256Base64);
    expect(await readParameter()).toBe(result.layerVersionArn);
  });

  it('unchanged zip deploys nothing', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    const first = workspace.readResult();
    calls.length = 0;

    const output = await run();

    expect(output.success).toBe(true);
    expect(calls).not.toContain('us-east-1 s3:PutObject');
    expect(calls).not.toContain('us-east-1 cloudformation:ExecuteChangeSet');
    expect(calls).not.toContain('us-east-1 ssm:PutParameter');
    const result = workspace.readResult();
    expect(result.published).toBe(false);
    expect(result.layerVersionArn).toBe(first.layerVersionArn);
  });

  it('changed zip on the emulator fails safely', async () => {
    // moto 5.2.1 executes an UPDATE change set without creating the new
    // layer version and drops the type and logical id of the stack's
    // resources, so no version can be read back. Real CloudFormation
    // replaces SoswLayer and keeps the old version (UpdateReplacePolicy
    // Retain); that path is not covered here. What is checked: the run
    // fails, names the stack, and leaves the SSM parameter on the old ARN.
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    const first = workspace.readResult();
    await workspace.writeBuild('GREETING = "hi"\n');
    calls.length = 0;

    const output = await run();

    expect(output.success).toBe(false);
    expect(calls).toContain('us-east-1 cloudformation:ExecuteChangeSet');
    expect(calls).not.toContain('us-east-1 ssm:PutParameter');
    expect(await readParameter()).toBe(first.layerVersionArn);
    expect(logs.join('\n')).toContain(
      `stack ${workspace.layerName}-layer contains no layer version`,
    );
  });

  it('without a bucket fails', async () => {
    workspace.writeLayerJson({ publish: { mode: 'cloudformation' } });
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(false);
    expect(callsMatching(calls, /cloudformation:/)).toEqual([]);
    expect(logs.join('\n')).toContain(
      'mode cloudformation needs an S3 bucket for the zip',
    );
  });

  it('dry run deploys nothing', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({ dryRun: true });

    expect(output.success).toBe(true);
    expect(
      callsMatching(calls, /cloudformation:|PutObject|PutParameter/),
    ).toEqual([]);
    expect(logs.join('\n')).toContain(
      `dry run: would deploy stack ${workspace.layerName}-layer`,
    );
  });
});
