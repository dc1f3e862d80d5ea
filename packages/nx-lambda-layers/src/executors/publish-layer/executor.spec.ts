import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
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
import type { LayerManifest, PublishResult } from '../../lib/manifest';
import publishLayerExecutor from './executor';

useEmulator();
const logs = captureLogs();

const PROJECT_ROOT = 'apps/test-layer';
const OUTPUT_DIR = join('dist', PROJECT_ROOT);

let workspaceRoot: string;
let layerName: string;
let layerCount = 0;

/** Lambda and SSM commands sent through the clients of the last run. */
let lambdaCommands: string[];
let ssmCommands: string[];

/**
 * Creates the real clients and records the commands they send; the calls
 * still reach the emulator.
 */
const recordingClients: AwsClientsFactory = async (options) => {
  const clients = await createAwsClients(options);
  lambdaCommands = recordCommands(clients.lambda);
  ssmCommands = recordCommands(clients.ssm);
  return clients;
};

function context(): ExecutorContext {
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName: 'test-layer',
    projectsConfigurations: {
      version: 2,
      projects: { 'test-layer': { root: PROJECT_ROOT } },
    },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}

/** Writes a layer zip with one module and its manifest, as build-layer does. */
async function writeBuild(moduleText: string): Promise<LayerManifest> {
  const zip = new JSZip();
  zip.file('python/greeting.py', moduleText, {
    date: new Date('1980-01-01T00:00:00Z'),
  });
  const bytes = await zip.generateAsync({ type: 'nodebuffer' });
  const digest = createHash('sha256').update(bytes).digest();
  const manifest: LayerManifest = {
    layerName,
    zipFile: 'layer.zip',
    sha256: digest.toString('hex'),
    sha256Base64: digest.toString('base64'),
    zipBytes: bytes.length,
    unzippedBytes: moduleText.length,
    fileCount: 1,
    packages: [],
    runtimes: ['python3.12'],
    architectures: ['x86_64'],
  };
  const outputDir = join(workspaceRoot, OUTPUT_DIR);
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, 'layer.zip'), bytes);
  writeFileSync(
    join(outputDir, 'layer.manifest.json'),
    JSON.stringify(manifest),
  );
  return manifest;
}

function readResult(): PublishResult {
  const path = join(workspaceRoot, OUTPUT_DIR, 'publish-result.json');
  return JSON.parse(readFileSync(path, 'utf8')) as PublishResult;
}

async function listVersions(): Promise<number[]> {
  const lambda = new LambdaClient({});
  const output = await lambda.send(
    new ListLayerVersionsCommand({ LayerName: layerName }),
  );
  return (output.LayerVersions ?? []).map((item) => item.Version ?? 0).sort();
}

async function readParameter(): Promise<string | undefined> {
  const ssm = new SSMClient({});
  const output = await ssm.send(
    new GetParameterCommand({ Name: `/layers/${layerName}/arn` }),
  );
  return output.Parameter?.Value;
}

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'publish-layer-spec-'));
  // Each test gets its own layer, because the emulator keeps state.
  layerCount += 1;
  layerName = `spec-layer-${layerCount}`;
  lambdaCommands = [];
  ssmCommands = [];
  mkdirSync(join(workspaceRoot, PROJECT_ROOT), { recursive: true });
  writeFileSync(
    join(workspaceRoot, PROJECT_ROOT, 'layer.json'),
    JSON.stringify({
      layerName,
      ssmParameter: `/layers/${layerName}/arn`,
      runtimes: ['python3.12'],
      license: 'MIT',
      description: 'greeting module for tests',
    }),
  );
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

describe('publish-layer executor', () => {
  it('publishes a new layer', async () => {
    const manifest = await writeBuild('GREETING = "hello"\n');

    const output = await publishLayerExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    expect(lambdaCommands).toContain('PublishLayerVersionCommand');
    expect(await listVersions()).toEqual([1]);
    const result = readResult();
    expect(result.version).toBe(1);
    expect(result.published).toBe(true);
    expect(result.codeSha256).toBe(manifest.sha256Base64);
    expect(result.region).toBe('us-east-1');
    expect(result.layerVersionArn).toMatch(
      new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:layer:${layerName}:1$`),
    );
    expect(result.layerArn).toBe(result.layerVersionArn.replace(/:1$/, ''));
    expect(logs.join('\n')).toContain(result.layerVersionArn);
  });

  it('publishes an unchanged zip once', async () => {
    await writeBuild('GREETING = "hello"\n');
    await publishLayerExecutor({}, context(), recordingClients);

    const second = await publishLayerExecutor({}, context(), recordingClients);

    expect(second.success).toBe(true);
    // The second run sent its calls through the recording wrapper around
    // the real client, so a missing PublishLayerVersion means none was sent.
    expect(lambdaCommands).toContain('ListLayerVersionsCommand');
    expect(lambdaCommands).not.toContain('PublishLayerVersionCommand');
    expect(await listVersions()).toEqual([1]);
    expect(logs).toContain(
      'info: layer unchanged: same CodeSha256 as version 1',
    );
    expect(readResult().published).toBe(false);
    expect(readResult().version).toBe(1);
  });

  it('SSM parameter holds the version ARN', async () => {
    await writeBuild('GREETING = "hello"\n');

    await publishLayerExecutor({}, context(), recordingClients);

    expect(await readParameter()).toBe(readResult().layerVersionArn);
  });

  it('unchanged run restores a deleted parameter', async () => {
    await writeBuild('GREETING = "hello"\n');
    await publishLayerExecutor({}, context(), recordingClients);
    await new SSMClient({}).send(
      new DeleteParameterCommand({ Name: `/layers/${layerName}/arn` }),
    );

    await publishLayerExecutor({}, context(), recordingClients);

    expect(lambdaCommands).not.toContain('PublishLayerVersionCommand');
    expect(await readParameter()).toMatch(new RegExp(`:${layerName}:1$`));
  });

  it('changed zip publishes version 2', async () => {
    await writeBuild('GREETING = "hello"\n');
    await publishLayerExecutor({}, context(), recordingClients);
    const manifest = await writeBuild('GREETING = "hi"\n');

    const output = await publishLayerExecutor({}, context(), recordingClients);

    expect(output.success).toBe(true);
    expect(await listVersions()).toEqual([1, 2]);
    expect(readResult().version).toBe(2);
    expect(readResult().codeSha256).toBe(manifest.sha256Base64);
    expect(await readParameter()).toMatch(new RegExp(`:${layerName}:2$`));
  });

  it('force publishes an unchanged zip', async () => {
    await writeBuild('GREETING = "hello"\n');
    await publishLayerExecutor({}, context(), recordingClients);

    await publishLayerExecutor({ force: true }, context(), recordingClients);

    expect(lambdaCommands).toContain('PublishLayerVersionCommand');
    expect(await listVersions()).toEqual([1, 2]);
    expect(await readParameter()).toMatch(new RegExp(`:${layerName}:2$`));
  });

  it('dry run makes no write calls', async () => {
    await writeBuild('GREETING = "hello"\n');

    const output = await publishLayerExecutor(
      { dryRun: true },
      context(),
      recordingClients,
    );

    expect(output.success).toBe(true);
    expect(lambdaCommands).toEqual(['ListLayerVersionsCommand']);
    expect(ssmCommands).toEqual([]);
    expect(await listVersions()).toEqual([]);
    const text = logs.join('\n');
    expect(text).toContain('dry run: would call PublishLayerVersion');
    expect(text).toContain('dry run: would call PutParameter');
    expect(text).toContain(`"Name":"/layers/${layerName}/arn"`);
    expect(
      existsSync(join(workspaceRoot, OUTPUT_DIR, 'publish-result.json')),
    ).toBe(false);
  });

  it('zip changed after build fails', async () => {
    await writeBuild('GREETING = "hello"\n');
    const zipPath = join(workspaceRoot, OUTPUT_DIR, 'layer.zip');
    writeFileSync(
      zipPath,
      Buffer.concat([readFileSync(zipPath), Buffer.from('x')]),
    );

    const output = await publishLayerExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    expect(lambdaCommands).toEqual([]);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain(`${OUTPUT_DIR}/layer.zip has SHA-256`);
    expect(error).toContain('run the build target again');
  });

  it('missing zip says to build first', async () => {
    await writeBuild('GREETING = "hello"\n');
    rmSync(join(workspaceRoot, OUTPUT_DIR, 'layer.zip'));

    const output = await publishLayerExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain(`${OUTPUT_DIR}/layer.zip not found`);
    expect(error).toContain('run the build target');
  });

  it('missing manifest says to build first', async () => {
    const output = await publishLayerExecutor({}, context(), recordingClients);

    expect(output.success).toBe(false);
    const error = logs.find((line) => line.startsWith('error:'));
    expect(error).toContain(`${OUTPUT_DIR}/layer.manifest.json not found`);
    expect(error).toContain('run the build target');
  });
});
