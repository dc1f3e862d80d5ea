import {
  CloudFormationClient,
  CreateStackCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ExecutorContext } from '@nx/devkit';
import JSZip from 'jszip';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  captureLogs,
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import { createAwsClients, type AwsClients } from '../../lib/aws/clients';
import { listStackFunctions } from '../../lib/hotswap/hotswap';
import hotswapExecutor from './executor';
import type { HotswapExecutorSchema } from './schema';

const REGION = 'us-east-1';
const BUCKET = 'hotswap-code';
const SSM_PARAMETER = '/lambda-layers/hotswap-sosw/arn';

/**
 * A role and one function with code from S3. moto 5.2.1's CloudFormation
 * ignores `Layers` on `AWS::Lambda::Function`, so the spec gives the
 * function its layers with UpdateFunctionConfiguration after the stack
 * exists.
 */
const TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
      },
    },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'python3.12',
        Handler: 'app.handler',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Code: { S3Bucket: BUCKET, S3Key: 'app.zip' },
      },
    },
  },
  Outputs: {
    RoleArn: { Value: { 'Fn::GetAtt': ['Role', 'Arn'] } },
  },
});

async function zipOf(name: string, text: string): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file(name, text);
  return zip.generateAsync({ type: 'uint8array' });
}

describe('hotswap executor', () => {
  useEmulator();
  const logs = captureLogs();
  let workspaceRoot: string;
  let lambda: LambdaClient;
  let layerArns: Record<string, string>;
  let roleArn: string;

  beforeAll(async () => {
    lambda = new LambdaClient({ region: REGION });
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'app.zip',
        Body: await zipOf(
          'app.py',
          'def handler(event, context):\n    return 1\n',
        ),
      }),
    );
    layerArns = {};
    for (const [name, version] of [
      ['hotswap-sosw', 1],
      ['hotswap-sosw', 2],
      ['hotswap-tools', 1],
    ] as const) {
      const published = await lambda.send(
        new PublishLayerVersionCommand({
          LayerName: name,
          Content: { ZipFile: await zipOf('python/m.py', `V = ${version}\n`) },
          CompatibleRuntimes: ['python3.12'],
        }),
      );
      layerArns[`${name}:${version}`] = published.LayerVersionArn!;
    }
    roleArn = await createStack('hotswap-stack');
  }, 120_000);

  beforeEach(() => {
    workspaceRoot = mkdtempSync(join(tmpdir(), 'hotswap-'));
    mkdirSync(join(workspaceRoot, 'layers/sosw'), { recursive: true });
    writeFileSync(
      join(workspaceRoot, 'layers/sosw/layer.json'),
      JSON.stringify({
        layerName: 'hotswap-sosw',
        ssmParameter: SSM_PARAMETER,
      }),
    );
  });

  afterEach(() => {
    rmSync(workspaceRoot, { recursive: true, force: true });
  });

  async function createStack(stackName: string): Promise<string> {
    const cloudFormation = new CloudFormationClient({ region: REGION });
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: TEMPLATE,
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const { reason } = await waitUntilStackCreateComplete(
      { client: cloudFormation, maxWaitTime: 60 },
      { StackName: stackName },
    );
    const stack = (
      reason as { Stacks: Array<{ Outputs: Array<{ OutputValue: string }> }> }
    ).Stacks[0];
    return stack.Outputs[0].OutputValue;
  }

  async function layersOf(functionName: string): Promise<string[]> {
    const configuration = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName }),
    );
    return (configuration.Layers ?? []).map((layer) => layer.Arn!);
  }

  async function setParameter(arn: string): Promise<void> {
    await new SSMClient({ region: REGION }).send(
      new PutParameterCommand({
        Name: SSM_PARAMETER,
        Value: arn,
        Type: 'String',
        Overwrite: true,
      }),
    );
  }

  function context(): ExecutorContext {
    const projects = {
      'sosw-layer': { root: 'layers/sosw' },
      orders: { root: 'stacks/orders' },
    };
    return {
      root: workspaceRoot,
      cwd: workspaceRoot,
      isVerbose: false,
      projectName: 'orders',
      projectsConfigurations: { version: 2, projects },
      nxJsonConfiguration: {},
      projectGraph: {
        nodes: {},
        dependencies: {
          orders: [{ source: 'orders', target: 'sosw-layer', type: 'static' }],
        },
      },
    } as unknown as ExecutorContext;
  }

  /** Lambda command names sent by the last `run`. */
  let sentToLambda: string[] = [];

  async function run(options: HotswapExecutorSchema) {
    return hotswapExecutor(
      options,
      context(),
      async (): Promise<AwsClients> => {
        const clients = await createAwsClients({ region: REGION });
        sentToLambda = recordCommands(clients.lambda);
        return clients;
      },
    );
  }

  it('swaps the stack function layer in place', async () => {
    const [worker] = await stackFunctionNames('hotswap-stack');
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: worker,
        Layers: [layerArns['hotswap-tools:1'], layerArns['hotswap-sosw:1']],
      }),
    );
    await setParameter(layerArns['hotswap-sosw:2']);

    const result = await run({ stackName: 'hotswap-stack' });

    expect(result).toEqual({ success: true });
    expect(await layersOf(worker)).toEqual([
      layerArns['hotswap-tools:1'],
      layerArns['hotswap-sosw:2'],
    ]);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^warn: stack hotswap-stack now drifts from its template/,
      ),
    );
    expect(logs).toContainEqual(
      'info: hotswap of hotswap-stack: 1 of 1 functions updated',
    );
  });

  it('keeps the order of other layers', async () => {
    // Created directly with CreateFunction, because moto's CloudFormation
    // drops `Layers` from function resources.
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'hotswap-direct',
        Runtime: 'python3.12',
        Handler: 'app.handler',
        Role: roleArn,
        Code: { S3Bucket: BUCKET, S3Key: 'app.zip' },
        Layers: [layerArns['hotswap-sosw:1'], layerArns['hotswap-tools:1']],
      }),
    );
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'hotswap-no-layers',
        Runtime: 'python3.12',
        Handler: 'app.handler',
        Role: roleArn,
        Code: { S3Bucket: BUCKET, S3Key: 'app.zip' },
      }),
    );
    await setParameter(layerArns['hotswap-sosw:2']);

    const result = await run({
      stackName: 'direct',
      functionNames: ['hotswap-direct', 'hotswap-no-layers'],
    });

    expect(result).toEqual({ success: true });
    expect(await layersOf('hotswap-direct')).toEqual([
      layerArns['hotswap-sosw:2'],
      layerArns['hotswap-tools:1'],
    ]);
    expect(await layersOf('hotswap-no-layers')).toEqual([]);
    expect(logs).toContainEqual(
      'info: hotswap-no-layers: layers unchanged (no layers)',
    );
  });

  it('changes nothing when versions match', async () => {
    await setParameter(layerArns['hotswap-sosw:2']);
    const result = await run({
      stackName: 'again',
      functionNames: ['hotswap-direct'],
    });

    expect(result).toEqual({ success: true });
    expect(sentToLambda).toEqual(['GetFunctionConfigurationCommand']);
    expect(logs.some((line) => line.includes('drifts'))).toBe(false);
  });

  it('fails on a missing layer version', async () => {
    await setParameter(`${layerArns['hotswap-sosw:1'].replace(/:1$/, ':9')}`);

    const result = await run({
      stackName: 'missing',
      functionNames: ['hotswap-direct'],
    });

    expect(result).toEqual({ success: false });
    expect(logs).toContainEqual(
      expect.stringMatching(/^error: hotswap failed for missing: /),
    );
  });

  it('fails on an unknown layer project', async () => {
    const result = await run({
      stackName: 'no-parameter',
      functionNames: ['hotswap-direct'],
      layers: ['unknown-layer'],
    });

    expect(result).toEqual({ success: false });
    expect(logs).toContainEqual(
      expect.stringContaining('layer project unknown-layer not found'),
    );
  });

  async function stackFunctionNames(stackName: string): Promise<string[]> {
    const clients = await createAwsClients({ region: REGION });
    return listStackFunctions(stackName, clients);
  }
});
