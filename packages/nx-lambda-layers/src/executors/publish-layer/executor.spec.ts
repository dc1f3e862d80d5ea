import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetLayerVersionCommand,
  LambdaClient,
  ListLayerVersionsCommand,
} from '@aws-sdk/client-lambda';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  captureLogs,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  callsMatching,
  LayerWorkspace,
  OUTPUT_DIR,
  recordingFactory,
} from '../../lib/publish/testing';
import publishLayerExecutor from './executor';

useEmulator();
const logs = captureLogs();

let workspace: LayerWorkspace;
let layerCount = 0;
/** Every AWS call of the test, as `region service:Operation`. */
let calls: string[];

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
  return (output.LayerVersions ?? []).map((item) => item.Version ?? 0).sort();
}

async function readParameter(name = workspace.ssmParameter) {
  const output = await new SSMClient({}).send(
    new GetParameterCommand({ Name: name }),
  );
  return output.Parameter?.Value;
}

function errorLine(): string | undefined {
  return logs.find((line) => line.startsWith('error:'));
}

beforeEach(() => {
  // Each test gets its own layer, because the emulator keeps state.
  layerCount += 1;
  workspace = new LayerWorkspace(`spec-layer-${layerCount}`);
  workspace.writeLayerJson();
  calls = [];
});

afterEach(() => {
  workspace.remove();
});

describe('publish-layer executor', () => {
  it('publishes a new layer', async () => {
    const manifest = await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run();

    expect(output.success).toBe(true);
    expect(calls).toContain('us-east-1 lambda:PublishLayerVersion');
    expect(await listVersions()).toEqual([1]);
    const result = workspace.readResult();
    expect(result.version).toBe(1);
    expect(result.published).toBe(true);
    expect(result.codeSha256).toBe(manifest.sha256Base64);
    expect(result.region).toBe('us-east-1');
    expect(result.layerVersionArn).toMatch(
      new RegExp(
        `^arn:aws:lambda:us-east-1:\\d{12}:layer:${workspace.layerName}:1$`,
      ),
    );
    expect(result.layerArn).toBe(result.layerVersionArn?.replace(/:1$/, ''));
    expect(result.regions).toHaveLength(1);
    expect(logs.join('\n')).toContain(result.layerVersionArn);
  });

  it('description has hash and packages', async () => {
    const manifest = await workspace.writeBuild('GREETING = "hello"\n');

    await run();

    const output = await new LambdaClient({}).send(
      new GetLayerVersionCommand({
        LayerName: workspace.layerName,
        VersionNumber: 1,
      }),
    );
    expect(output.Description).toBe(
      `greeting module for tests | sha256:${manifest.sha256} | ` +
        'greeting==1.0.0',
    );
    expect(output.LicenseInfo).toBe('MIT');
    expect(output.CompatibleRuntimes).toEqual(['python3.12']);
  });

  it('publishes an unchanged zip once', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    calls.length = 0;

    const second = await run();

    expect(second.success).toBe(true);
    // The calls went through the recording wrapper around the real clients,
    // so a missing PublishLayerVersion means none was sent.
    expect(calls).toContain('us-east-1 lambda:ListLayerVersions');
    expect(calls).not.toContain('us-east-1 lambda:PublishLayerVersion');
    expect(await listVersions()).toEqual([1]);
    expect(logs).toContain(
      'info: layer unchanged: same CodeSha256 as version 1',
    );
    expect(workspace.readResult().published).toBe(false);
    expect(workspace.readResult().version).toBe(1);
  });

  it('SSM parameter holds the version ARN', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    await run();

    expect(await readParameter()).toBe(workspace.readResult().layerVersionArn);
  });

  it('unchanged publish adds no SSM history', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    calls.length = 0;

    await run();

    expect(calls).not.toContain('us-east-1 ssm:PutParameter');
    const history = await new SSMClient({}).send(
      new GetParameterHistoryCommand({ Name: workspace.ssmParameter }),
    );
    expect(history.Parameters).toHaveLength(1);
    expect(logs.join('\n')).toContain(
      `SSM parameter ${workspace.ssmParameter} already contains`,
    );
  });

  it('unchanged run restores a deleted parameter', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    await new SSMClient({}).send(
      new DeleteParameterCommand({ Name: workspace.ssmParameter }),
    );
    calls.length = 0;

    await run();

    expect(calls).not.toContain('us-east-1 lambda:PublishLayerVersion');
    expect(await readParameter()).toMatch(
      new RegExp(`:${workspace.layerName}:1$`),
    );
  });

  it('changed zip publishes version 2', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();
    const manifest = await workspace.writeBuild('GREETING = "hi"\n');

    const output = await run();

    expect(output.success).toBe(true);
    expect(await listVersions()).toEqual([1, 2]);
    expect(workspace.readResult().version).toBe(2);
    expect(workspace.readResult().codeSha256).toBe(manifest.sha256Base64);
    expect(await readParameter()).toMatch(
      new RegExp(`:${workspace.layerName}:2$`),
    );
  });

  it('force publishes an unchanged zip', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    await run();

    await run({ force: true });

    expect(calls).toContain('us-east-1 lambda:PublishLayerVersion');
    expect(await listVersions()).toEqual([1, 2]);
    expect(await readParameter()).toMatch(
      new RegExp(`:${workspace.layerName}:2$`),
    );
  });

  it('environment picks the SSM parameter', async () => {
    workspace.writeLayerJson({
      publish: { ssmParameters: { prod: `/prod/${workspace.layerName}` } },
    });
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({ environment: 'prod' });

    expect(output.success).toBe(true);
    expect(await readParameter(`/prod/${workspace.layerName}`)).toBe(
      workspace.readResult().layerVersionArn,
    );
    expect(workspace.readResult().ssmParameter).toBe(
      `/prod/${workspace.layerName}`,
    );
  });

  it('unknown environment fails before calls', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({ environment: 'staging' });

    expect(output.success).toBe(false);
    expect(calls).toEqual([]);
    expect(errorLine()).toContain('no SSM parameter for environment staging');
  });

  it('dry run makes no write calls', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');

    const output = await run({
      dryRun: true,
      shareWithAccounts: ['111122223333'],
    });

    expect(output.success).toBe(true);
    expect(calls).toEqual([
      'us-east-1 lambda:ListLayerVersions',
      'us-east-1 ssm:GetParameter',
    ]);
    expect(await listVersions()).toEqual([]);
    const text = logs.join('\n');
    expect(text).toContain('dry run: would call PublishLayerVersion');
    expect(text).toMatch(/"ZipFile":"<\d+ bytes>"/);
    expect(text).toContain(
      'dry run: would call AddLayerVersionPermission for the new version ' +
        'and account 111122223333',
    );
    expect(text).toContain('dry run: would call PutParameter');
    expect(text).toContain(`"Name":"${workspace.ssmParameter}"`);
    expect(
      existsSync(join(workspace.root, OUTPUT_DIR, 'publish-result.json')),
    ).toBe(false);
  });

  it('zip over 50 MB without bucket fails', async () => {
    await workspace.writeBuild('GREETING = "hello"\n', 50 * 1024 * 1024);

    const output = await run();

    expect(output.success).toBe(false);
    expect(calls).toEqual([]);
    expect(errorLine()).toContain("over Lambda's limit of 52428800 bytes");
    expect(errorLine()).toContain('`s3Bucket` option');
  });

  it('zip changed after build fails', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    const zipPath = join(workspace.root, OUTPUT_DIR, 'layer.zip');
    writeFileSync(
      zipPath,
      Buffer.concat([readFileSync(zipPath), Buffer.from('x')]),
    );

    const output = await run();

    expect(output.success).toBe(false);
    expect(calls).toEqual([]);
    expect(errorLine()).toContain(`${OUTPUT_DIR}/layer.zip has SHA-256`);
    expect(errorLine()).toContain('run the build target again');
  });

  it('edited manifest hash blames the manifest', async () => {
    const manifest = await workspace.writeBuild('GREETING = "hello"\n');
    const manifestPath = join(
      workspace.root,
      OUTPUT_DIR,
      'layer.manifest.json',
    );
    writeFileSync(
      manifestPath,
      JSON.stringify({ ...manifest, sha256Base64: 'AAAA' }),
    );

    const output = await run();

    expect(output.success).toBe(false);
    expect(calls).toEqual([]);
    expect(errorLine()).toContain(
      `${OUTPUT_DIR}/layer.manifest.json records SHA-256 ${manifest.sha256} ` +
        'in hex and AAAA in base64, which disagree',
    );
    expect(errorLine()).not.toContain('The zip changed');
    expect(errorLine()).toContain('run the build target again');
  });

  it('missing zip says to build first', async () => {
    await workspace.writeBuild('GREETING = "hello"\n');
    rmSync(join(workspace.root, OUTPUT_DIR, 'layer.zip'));

    const output = await run();

    expect(output.success).toBe(false);
    expect(errorLine()).toContain(`${OUTPUT_DIR}/layer.zip not found`);
    expect(errorLine()).toContain('`nx run test-layer:build`');
    expect(errorLine()).toContain("dependsOn: ['build']");
  });

  it('missing manifest says to build first', async () => {
    const output = await run();

    expect(output.success).toBe(false);
    expect(errorLine()).toContain(
      `${OUTPUT_DIR}/layer.manifest.json not found`,
    );
    expect(errorLine()).toContain('run the build target');
  });
});
