import { execFileSync } from 'node:child_process';
import {
  CreateFunctionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  ListLayerVersionsCommand,
} from '@aws-sdk/client-lambda';
import JSZip from 'jszip';
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

let workspace: LayerWorkspace;
let layerCount = 0;
let calls: string[];
let roleArn: string | undefined;

function run(options: Parameters<typeof publishLayerExecutor>[0] = {}) {
  return publishLayerExecutor(
    options,
    workspace.context(),
    recordingFactory(calls),
  );
}

async function listVersions(): Promise<number[]> {
  const output = await new LambdaClient({}).send(
    new ListLayerVersionsCommand({ LayerName: workspace.layerName }),
  );
  return (output.LayerVersions ?? [])
    .map((item) => item.Version ?? 0)
    .sort((a, b) => a - b);
}

async function policySids(version: number): Promise<string[]> {
  const output = await new LambdaClient({}).send(
    new GetLayerVersionPolicyCommand({
      LayerName: workspace.layerName,
      VersionNumber: version,
    }),
  );
  const policy = JSON.parse(output.Policy ?? '{}') as {
    Statement: { Sid: string }[];
  };
  return policy.Statement.map((item) => item.Sid).sort();
}

/** Creates an IAM role with the AWS CLI, since no IAM SDK client is installed. */
function ensureRole(): string {
  roleArn ??= JSON.parse(
    execFileSync(
      'aws',
      [
        'iam',
        'create-role',
        '--role-name',
        'retention-spec-role',
        '--assume-role-policy-document',
        '{"Version":"2012-10-17","Statement":[]}',
        '--region',
        'us-east-1',
        '--endpoint-url',
        String(process.env.AWS_ENDPOINT_URL),
      ],
      { encoding: 'utf8', env: { ...process.env } },
    ),
  ).Role.Arn as string;
  return String(roleArn);
}

/** Creates a function that uses the given version of the test layer. */
async function createFunctionUsing(version: number): Promise<void> {
  const zip = new JSZip();
  zip.file('handler.py', 'def handler(event, context):\n    return 1\n');
  const layerArn = workspace.readResult().layerArn;
  await new LambdaClient({}).send(
    new CreateFunctionCommand({
      FunctionName: `${workspace.layerName}-user`,
      Runtime: 'python3.12',
      Role: ensureRole(),
      Handler: 'handler.handler',
      Code: { ZipFile: await zip.generateAsync({ type: 'nodebuffer' }) },
      Layers: [`${layerArn}:${version}`],
    }),
  );
}

/** Publishes `count` versions with different content. */
async function publishVersions(count: number): Promise<void> {
  for (let index = 1; index <= count; index += 1) {
    await workspace.writeBuild(`GREETING = ${index}\n`);
    expect((await run()).success).toBe(true);
  }
}

beforeEach(() => {
  layerCount += 1;
  workspace = new LayerWorkspace(`share-layer-${layerCount}`);
  workspace.writeLayerJson();
  calls = [];
});

afterEach(() => {
  workspace.remove();
});

describe('publish-layer sharing', () => {
  it('grants accounts and organization', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({
      shareWithAccounts: ['111122223333'],
      shareWithOrganization: 'o-abcdef1234',
    });

    expect(output.success).toBe(true);
    expect(await policySids(1)).toEqual([
      'nx-lambda-layers-account-111122223333',
      'nx-lambda-layers-org-o-abcdef1234',
    ]);
    expect(workspace.readResult().regions[0]).toMatchObject({
      sharedWith: ['account 111122223333', 'organization o-abcdef1234'],
    });
  });

  it('rerun adds no duplicate statement', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    const options = { shareWithAccounts: ['111122223333'] };
    await run(options);
    calls.length = 0;

    await run(options);

    // moto 5.2.1 accepts a duplicate StatementId; real Lambda rejects it
    // with ResourceConflictException. Either way no second call is sent.
    expect(calls).toContain('us-east-1 lambda:GetLayerVersionPolicy');
    expect(calls).not.toContain('us-east-1 lambda:AddLayerVersionPermission');
    expect(await policySids(1)).toEqual([
      'nx-lambda-layers-account-111122223333',
    ]);
    expect(logs.join('\n')).toContain(
      'version 1 already shared with account 111122223333',
    );
  });

  it('adds a grant missing from an old version', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run({ shareWithAccounts: ['111122223333'] });

    await run({ shareWithAccounts: ['111122223333', '444455556666'] });

    expect(await policySids(1)).toEqual([
      'nx-lambda-layers-account-111122223333',
      'nx-lambda-layers-account-444455556666',
    ]);
  });
});

describe('publish-layer retention', () => {
  it('deletes nothing by default', async () => {
    await publishVersions(3);

    expect(await listVersions()).toEqual([1, 2, 3]);
    expect(callsMatching(calls, /DeleteLayerVersion/)).toEqual([]);
  });

  it('keeps newest and versions in use', async () => {
    await publishVersions(4);
    await createFunctionUsing(1);
    await workspace.writeBuild('GREETING = 5\n');
    logs.length = 0;

    const output = await run({ keepVersions: 2 });

    expect(output.success).toBe(true);
    expect(await listVersions()).toEqual([1, 4, 5]);
    const text = logs.join('\n');
    expect(text).toContain('retention: deleted versions 3, 2');
    expect(text).toContain(
      `retention: kept version 1 (used by function ${workspace.layerName}-user)`,
    );
    expect(text).toContain('retention: kept version 5 (one of the newest 2)');
    expect(workspace.readResult().regions[0]).toMatchObject({
      retention: { deleted: [3, 2] },
    });
  });

  it('dry run deletes nothing', async () => {
    await publishVersions(3);
    logs.length = 0;
    calls.length = 0;

    const output = await run({ keepVersions: 1, dryRun: true });

    expect(output.success).toBe(true);
    expect(await listVersions()).toEqual([1, 2, 3]);
    expect(callsMatching(calls, /DeleteLayerVersion/)).toEqual([]);
    const text = logs.join('\n');
    expect(text).toContain('dry run: would call DeleteLayerVersion');
    expect(text).toContain('retention: would delete versions 2, 1');
  });

  it('shared layer retention warns', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    await run({ keepVersions: 3, shareWithAccounts: ['111122223333'] });

    expect(logs).toContain(
      'warn: keepVersions 3 on a shared layer: versions that only other ' +
        'accounts use are not detected and can be deleted',
    );
  });

  it('invalid keepVersions fails before calls', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({ keepVersions: 0 });

    expect(output.success).toBe(false);
    expect(calls).toEqual([]);
    expect(logs.join('\n')).toContain('invalid keepVersions 0');
  });
});
