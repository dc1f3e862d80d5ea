import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  LambdaClient,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ExecutorContext } from '@nx/devkit';
import JSZip from 'jszip';
import {
  captureLogs,
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import type { DeployResult } from '../../lib/deploy/report';
import deployExecutor from './executor';

useEmulator();
const logs = captureLogs();

const PROJECT_ROOT = 'apps/orders';
const BUCKET = 'deploy-spec-artifacts';
const LAYER_PARAMETER = '/spec/layers/greeting/arn';

/** A template like the workspace's stacks: a role and a function on a layer. */
const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Description: Orders function on the greeting layer.

Parameters:
  # Resolved by CloudFormation at every deploy.
  LayerArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: ${LAYER_PARAMETER}

Resources:
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole

  OrdersFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: src
      Role: !GetAtt FunctionRole.Arn
      Layers:
        - !Ref LayerArn

Outputs:
  FunctionName:
    Value: !Ref OrdersFunction
`;

let workspaceRoot: string;
let commands: { cloudFormation: string[]; s3: string[] };

/**
 * Creates the real clients and records the commands they send; the calls
 * still reach the emulator.
 */
const recordingClients: AwsClientsFactory = async (options) => {
  const clients = await createAwsClients(options);
  commands = {
    cloudFormation: recordCommands(clients.cloudFormation),
    s3: recordCommands(clients.s3),
  };
  return clients;
};

function context(): ExecutorContext {
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName: 'orders',
    projectsConfigurations: {
      version: 2,
      projects: { orders: { root: PROJECT_ROOT } },
    },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}

function writeProjectFile(relativePath: string, text: string): void {
  const path = join(workspaceRoot, PROJECT_ROOT, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function writeSamConfig(stackName: string, extra = ''): void {
  writeProjectFile(
    'samconfig.toml',
    `version = 0.1\n[default.deploy.parameters]\n` +
      `stack_name = "${stackName}"\ns3_bucket = "${BUCKET}"\n` +
      `s3_prefix = "orders"\n${extra}`,
  );
}

function readResult(): DeployResult {
  const path = join(workspaceRoot, 'dist', PROJECT_ROOT, 'deploy-result.json');
  return JSON.parse(readFileSync(path, 'utf8')) as DeployResult;
}

/** Publishes a real layer version and stores its ARN in the SSM parameter. */
async function publishLayerVersion(text: string): Promise<string> {
  const zip = new JSZip();
  zip.file('python/greeting.py', text);
  const output = await new LambdaClient({}).send(
    new PublishLayerVersionCommand({
      LayerName: 'deploy-spec-greeting',
      Content: { ZipFile: await zip.generateAsync({ type: 'nodebuffer' }) },
    }),
  );
  const arn = String(output.LayerVersionArn);
  await new SSMClient({}).send(
    new PutParameterCommand({
      Name: LAYER_PARAMETER,
      Value: arn,
      Type: 'String',
      Overwrite: true,
    }),
  );
  return arn;
}

async function describe_stack(stackName: string) {
  const output = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  return output.Stacks?.[0];
}

async function deployedTemplate(stackName: string): Promise<string> {
  const output = await new CloudFormationClient({}).send(
    new GetTemplateCommand({ StackName: stackName }),
  );
  return String(output.TemplateBody);
}

async function listKeys(bucket: string): Promise<string[]> {
  const output = await new S3Client({ forcePathStyle: true }).send(
    new ListObjectsV2Command({ Bucket: bucket }),
  );
  return (output.Contents ?? []).map((item) => String(item.Key));
}

beforeAll(async () => {
  await new S3Client({ forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: BUCKET }),
  );
});

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'deploy-spec-'));
  commands = { cloudFormation: [], s3: [] };
  writeProjectFile('template.yaml', TEMPLATE);
  writeProjectFile(
    'src/app.py',
    'def handler(event, context):\n    return 1\n',
  );
  writeProjectFile('src/__pycache__/app.cpython-312.pyc', 'bytecode');
  writeProjectFile('src/tests/test_app.py', 'def test(): pass\n');
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

// These tests run in order against one stack: create, update, rerun.
describe('deploy executor: one stack over time', () => {
  const stackName = 'orders-flow';
  let v1: string;
  let v2: string;
  let codeKey: string;

  beforeAll(async () => {
    v1 = await publishLayerVersion('GREETING = "v1"\n');
  });

  beforeEach(() => writeSamConfig(stackName));

  it('create deploys the stack', async () => {
    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    expect((await describe_stack(stackName))?.StackStatus).toBe(
      'CREATE_COMPLETE',
    );
    const result = readResult();
    expect(result.changeSetType).toBe('CREATE');
    expect(result.status).toBe('CREATE_COMPLETE');
    expect(result.resolvedParameters.LayerArn).toEqual({
      Parameter: LAYER_PARAMETER,
      Value: v1,
    });
    expect(result.changes.map((change) => change.logicalId).sort()).toEqual([
      'FunctionRole',
      'OrdersFunction',
    ]);
    expect(logs.join('\n')).toContain(
      `parameter LayerArn (${LAYER_PARAMETER}) resolved to ${v1}`,
    );
  });

  it('create sent packaged code and stamped metadata', async () => {
    const sent = await deployedTemplate(stackName);
    const keys = (await listKeys(BUCKET)).filter((key) =>
      key.startsWith('orders/'),
    );

    expect(keys).toHaveLength(1);
    codeKey = keys[0];
    expect(codeKey).toMatch(/^orders\/[0-9a-f]{64}\.zip$/);
    expect(sent).toContain(`S3Bucket: ${BUCKET}`);
    expect(sent).toContain(`S3Key: ${codeKey}`);
    expect(sent).toContain('NxLambdaLayers::ResolvedParameters:');
    expect(sent).toContain(`Value: ${v1}`);
    // Short-form tags and comments survive in the template sent.
    expect(sent).toContain('Role: !GetAtt FunctionRole.Arn');
    expect(sent).toContain('# Resolved by CloudFormation at every deploy.');
    expect(
      readFileSync(join(workspaceRoot, PROJECT_ROOT, 'template.yaml'), 'utf8'),
    ).toBe(TEMPLATE);
  });

  it('packaged zip leaves out bytecode and tests', async () => {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const object = await new S3Client({ forcePathStyle: true }).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: codeKey }),
    );
    const zip = await JSZip.loadAsync(
      await (
        object.Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray(),
    );

    expect(Object.keys(zip.files)).toEqual(['app.py']);
  });

  it('update resolves the new layer version', async () => {
    v2 = await publishLayerVersion('GREETING = "v2"\n');

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    const result = readResult();
    expect(result.changeSetType).toBe('UPDATE');
    expect(result.status).toBe('UPDATE_COMPLETE');
    expect(result.resolvedParameters.LayerArn.Value).toBe(v2);
    expect(v2).not.toBe(v1);
    expect(await deployedTemplate(stackName)).toContain(`Value: ${v2}`);
    expect(logs.join('\n')).toContain(`resolved to ${v2}`);
  });

  it('update does not upload unchanged code', async () => {
    await deployExecutor({}, context(), recordingClients);

    expect(commands.s3).toContain('HeadObjectCommand');
    expect(commands.s3).not.toContain('PutObjectCommand');
  });

  it('rerun reports no changes', async () => {
    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    expect(logs).toContain(`info: no changes to deploy for stack ${stackName}`);
    expect(commands.cloudFormation).not.toContain('ExecuteChangeSetCommand');
    const result = readResult();
    expect(result.noChanges).toBe(true);
    expect(result.executed).toBe(false);
    expect(result.resolvedParameters.LayerArn.Value).toBe(v2);
  });
});

describe('deploy executor', () => {
  beforeAll(async () => {
    await publishLayerVersion('GREETING = "v1"\n');
  });

  it('failing resource fails with its reason', async () => {
    writeSamConfig('orders-failing');
    // The emulator accepts a missing key in an existing bucket, so the
    // bucket is missing too.
    writeProjectFile(
      'template.yaml',
      TEMPLATE.replace(
        'Code: src',
        'Code:\n        S3Bucket: no-such-bucket\n        S3Key: code.zip',
      ),
    );

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const errors = logs.filter((line) => line.startsWith('error:')).join('\n');
    expect(errors).toContain('failed resources:');
    expect(errors).toContain('NoSuchBucket');
    expect(readResult().success).toBe(false);
    expect(readResult().failedResources).toHaveLength(1);
  });

  it('noExecuteChangeset leaves the stack unchanged', async () => {
    writeSamConfig('orders-review');

    const output = await deployExecutor(
      { noExecuteChangeset: true },
      context(),
      recordingClients,
    );

    expect(output.success).toBe(true);
    expect(commands.cloudFormation).toContain('CreateChangeSetCommand');
    expect(commands.cloudFormation).not.toContain('ExecuteChangeSetCommand');
    expect((await describe_stack('orders-review'))?.StackStatus).toBe(
      'REVIEW_IN_PROGRESS',
    );
    expect(logs.join('\n')).toContain('created and not executed');
  });

  it('options override samconfig.toml', async () => {
    writeSamConfig('orders-from-samconfig');

    const output = await deployExecutor(
      { stackName: 'orders-from-option', noExecuteChangeset: true },
      context(),
      recordingClients,
    );

    expect(output.success).toBe(true);
    expect(readResult().stackName).toBe('orders-from-option');
    await expect(describe_stack('orders-from-samconfig')).rejects.toThrow(
      'does not exist',
    );
  });

  it('resolveS3 creates the managed stack', async () => {
    writeProjectFile(
      'samconfig.toml',
      'version = 0.1\n[default.deploy.parameters]\n' +
        'stack_name = "orders-resolve"\nresolve_s3 = true\n',
    );

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    const managed = await describe_stack('nx-lambda-layers-managed');
    expect(managed?.StackStatus).toBe('CREATE_COMPLETE');
    const resource = await new CloudFormationClient({}).send(
      new DescribeStackResourceCommand({
        StackName: 'nx-lambda-layers-managed',
        LogicalResourceId: 'ArtifactsBucket',
      }),
    );
    const bucket = String(resource.StackResourceDetail?.PhysicalResourceId);
    await new S3Client({ forcePathStyle: true }).send(
      new HeadBucketCommand({ Bucket: bucket }),
    );
    expect(await listKeys(bucket)).toHaveLength(1);
  });

  it('large template goes through S3', async () => {
    writeSamConfig('orders-large');
    const padding = 'x'.repeat(60_000);
    writeProjectFile(
      'template.yaml',
      `${TEMPLATE}\nMetadata:\n  Padding: ${padding}\n`,
    );

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    const templates = (await listKeys(BUCKET)).filter((key) =>
      key.endsWith('.template'),
    );
    expect(templates).toHaveLength(1);
    expect(await deployedTemplate('orders-large')).toContain(padding);
  });

  it('local code without a bucket fails', async () => {
    writeProjectFile(
      'samconfig.toml',
      'version = 0.1\n[default.deploy.parameters]\nstack_name = "orders-nb"\n',
    );

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain('s3_bucket');
    expect(error).toContain('resolve_s3');
    expect(commands.cloudFormation).not.toContain('CreateChangeSetCommand');
  });

  it('code path outside the project fails', async () => {
    writeSamConfig('orders-outside');
    writeProjectFile(
      'template.yaml',
      TEMPLATE.replace('Code: src', 'Code: ../other/src'),
    );

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain('OrdersFunction.Code "../other/src"');
    expect(error).toContain('outside the project folder');
  });

  it('missing code path fails', async () => {
    writeSamConfig('orders-missing');
    writeProjectFile(
      'template.yaml',
      TEMPLATE.replace('Code: src', 'Code: build'),
    );

    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain('OrdersFunction.Code "build" not found');
  });

  it('missing stack name fails', async () => {
    const output = await deployExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain('stack name is not set');
    expect(
      existsSync(
        join(workspaceRoot, 'dist', PROJECT_ROOT, 'deploy-result.json'),
      ),
    ).toBe(false);
  });
});
