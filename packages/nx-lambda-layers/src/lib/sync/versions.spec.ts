import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import JSZip from 'jszip';
import {
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import { type AwsClients, createAwsClients } from '../aws/clients';
import { normalizeLayerConfig, type LayerConfig } from '../layer-config';
import type { PublishResult } from '../manifest';
import { resolveLayerVersion, versionOfArn } from './versions';

useEmulator();

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

let clients: AwsClients;
let layerCount = 0;
let workspaceRoot: string;

beforeAll(async () => {
  clients = await createAwsClients({ region: REGION });
  workspaceRoot = mkdtempSync(join(tmpdir(), 'sync-versions-'));
});

afterAll(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

/** Creates a layer with a name of its own, so tests share no AWS state. */
function newLayer(): LayerConfig {
  layerCount += 1;
  const layerName = `resolve-${layerCount}-${Date.now()}`;
  return normalizeLayerConfig(
    { layerName, ssmParameter: `/lambda-layers/${layerName}/arn` },
    'layer.json',
  );
}

async function publishVersions(layer: LayerConfig, count: number) {
  const zip = await new JSZip()
    .file('python/module.py', 'VALUE = 1\n')
    .generateAsync({ type: 'uint8array' });
  for (let index = 0; index < count; index++) {
    await clients.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: layer.layerName,
        Content: { ZipFile: zip },
      }),
    );
  }
}

async function putParameter(layer: LayerConfig, value: string) {
  await clients.ssm.send(
    new PutParameterCommand({
      Name: layer.ssmParameter,
      Value: value,
      Type: 'String',
      Overwrite: true,
    }),
  );
}

function arnOf(layer: LayerConfig, version: number): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:${layer.layerName}:${version}`;
}

function publishResult(
  layer: LayerConfig,
  version: number,
  region = REGION,
): PublishResult {
  return {
    layerName: layer.layerName,
    region,
    layerArn: arnOf(layer, version).replace(/:\d+$/, ''),
    layerVersionArn: arnOf(layer, version),
    version,
    codeSha256: 'hash',
    published: true,
    ssmParameter: layer.ssmParameter,
  };
}

describe('resolveLayerVersion', () => {
  it('option wins without AWS calls', async () => {
    const layer = newLayer();
    const lambdaCommands = recordCommands(clients.lambda);
    const ssmCommands = recordCommands(clients.ssm);

    const resolved = await resolveLayerVersion(layer, clients, {
      version: 4,
      publishResult: publishResult(layer, 9),
    });

    expect(resolved).toEqual({ version: 4, source: 'option' });
    expect(lambdaCommands).toEqual([]);
    expect(ssmCommands).toEqual([]);
  });

  it('rejects an invalid option', async () => {
    const layer = newLayer();

    await expect(
      resolveLayerVersion(layer, clients, { version: 0 }),
    ).rejects.toThrow(/invalid layer version 0; pass a positive whole number/);
    await expect(
      resolveLayerVersion(layer, clients, { version: 2.5 }),
    ).rejects.toThrow(/invalid layer version 2.5/);
  });

  it('publish result comes before SSM', async () => {
    const layer = newLayer();
    await putParameter(layer, arnOf(layer, 3));

    const resolved = await resolveLayerVersion(layer, clients, {
      publishResult: publishResult(layer, 5),
    });

    expect(resolved).toEqual({ version: 5, source: 'publish-result' });
  });

  it('reads the publish result file', async () => {
    const layer = newLayer();
    const projectRoot = `apps/${layer.layerName}`;
    const outputDir = join(workspaceRoot, 'dist', projectRoot);
    mkdirSync(outputDir, { recursive: true });
    writeFileSync(
      join(outputDir, 'publish-result.json'),
      JSON.stringify(publishResult(layer, 6)),
    );

    const resolved = await resolveLayerVersion(layer, clients, {
      workspaceRoot,
      projectRoot,
    });

    expect(resolved).toEqual({ version: 6, source: 'publish-result' });
  });

  it('rejects an invalid publish result file', async () => {
    const layer = newLayer();
    const projectRoot = `apps/${layer.layerName}`;
    const outputDir = join(workspaceRoot, 'dist', projectRoot);
    mkdirSync(outputDir, { recursive: true });
    writeFileSync(join(outputDir, 'publish-result.json'), '{"layerName":');

    await expect(
      resolveLayerVersion(layer, clients, { workspaceRoot, projectRoot }),
    ).rejects.toThrow(
      /publish result dist\/apps\/.+\/publish-result.json is not valid JSON/,
    );
  });

  it('ignores a publish result of another region', async () => {
    const layer = newLayer();
    await putParameter(layer, arnOf(layer, 2));

    const resolved = await resolveLayerVersion(layer, clients, {
      publishResult: publishResult(layer, 8, 'eu-west-1'),
    });

    expect(resolved).toEqual({ version: 2, source: 'ssm' });
  });

  it('SSM comes before the newest version', async () => {
    const layer = newLayer();
    await publishVersions(layer, 3);
    await putParameter(layer, arnOf(layer, 2));

    const resolved = await resolveLayerVersion(layer, clients);

    expect(resolved).toEqual({ version: 2, source: 'ssm' });
  });

  it('rejects an SSM value of another layer', async () => {
    const layer = newLayer();
    await putParameter(
      layer,
      `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:other:2`,
    );

    await expect(resolveLayerVersion(layer, clients)).rejects.toThrow(
      /SSM parameter .+ contains ".+:layer:other:2", which is not a version ARN of layer/,
    );
  });

  it('falls back to ListLayerVersions', async () => {
    const layer = newLayer();
    await publishVersions(layer, 3);
    const lambdaCommands = recordCommands(clients.lambda);

    const resolved = await resolveLayerVersion(layer, clients);

    expect(resolved).toEqual({ version: 3, source: 'list-layer-versions' });
    expect(lambdaCommands).toEqual(['ListLayerVersionsCommand']);
  });

  it('rejects a layer with no version anywhere', async () => {
    const layer = newLayer();

    const error = await resolveLayerVersion(layer, clients).catch(
      (caught: Error) => caught,
    );

    expect((error as Error).message).toBe(
      `layer ${layer.layerName} has no published version in region ` +
        `${REGION} and SSM parameter ${layer.ssmParameter} is not set; ` +
        'publish the layer first (the publish target of its project)',
    );
  });

  it("names the caller's version option", async () => {
    const layer = newLayer();

    await expect(
      resolveLayerVersion(layer, clients, {
        versionOption: '--layer-version',
      }),
    ).rejects.toThrow(
      'publish the layer first (the publish target of its project), or ' +
        'give a version with --layer-version',
    );
  });
});

describe('versionOfArn', () => {
  const layer = normalizeLayerConfig(
    { layerName: 'sosw', ssmParameter: '/x' },
    'layer.json',
  );

  it('reads the version of a layer version ARN', () => {
    const arn = 'arn:aws-cn:lambda:cn-north-1:123456789012:layer:sosw:17';

    expect(versionOfArn(arn, layer, 'test')).toBe(17);
  });

  it('rejects another layer with a prefix name', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:layer:sosw-extras:17';

    expect(() => versionOfArn(arn, layer, 'test')).toThrow(/not a version ARN/);
  });

  it('rejects an ARN without a version', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:layer:sosw';

    expect(() => versionOfArn(arn, layer, 'test')).toThrow(/not a version ARN/);
  });
});
