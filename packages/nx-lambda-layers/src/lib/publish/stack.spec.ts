import { createHash } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  LambdaClient,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import JSZip from 'jszip';
import { useEmulator } from '../../../../../tools/emulator/jest-helpers';
import type { AwsClients } from '../aws/clients';
import type { DeployResult } from '../deploy/report';
import { normalizeLayerConfig } from '../layer-config';
import type { PublishContext } from './publish-layer';
import { mergePublishSettings } from './settings';
import { deployedVersion } from './stack';

useEmulator();

let zipCount = 0;

async function layerZip(): Promise<Buffer> {
  zipCount += 1;
  const zip = new JSZip();
  zip.file('python/module.py', `VALUE = ${zipCount}\n`);
  return zip.generateAsync({ type: 'nodebuffer' });
}

function contextFor(zip: Buffer): PublishContext {
  const config = normalizeLayerConfig(
    { layerName: 'stack-spec', ssmParameter: '/stack-spec/arn' },
    'layer.json',
  );
  const digest = createHash('sha256').update(zip).digest();
  return {
    config,
    settings: mergePublishSettings(config, {}),
    artifacts: {
      zip,
      zipPath: 'dist/layer.zip',
      manifest: {
        layerName: 'stack-spec',
        zipFile: 'layer.zip',
        sha256: digest.toString('hex'),
        sha256Base64: digest.toString('base64'),
        zipBytes: zip.length,
        unzippedBytes: 0,
        fileCount: 1,
        packages: [],
        runtimes: [],
        architectures: [],
      },
    },
  };
}

/**
 * Clients whose CloudFormation client is a fake that returns the stack
 * resource as real CloudFormation does: with the version ARN as physical
 * id, which moto 5.2.1 leaves empty. Lambda calls go to the emulator.
 */
function clientsWithStackResource(physicalId: string): AwsClients {
  const cloudFormation = {
    send: async () => ({
      StackResources: [
        {
          LogicalResourceId: 'SoswLayer',
          ResourceType: 'AWS::Lambda::LayerVersion',
          PhysicalResourceId: physicalId,
        },
      ],
    }),
  } as unknown as CloudFormationClient;
  return {
    region: 'us-east-1',
    lambda: new LambdaClient({}),
    cloudFormation,
  } as AwsClients;
}

async function publish(zip: Buffer): Promise<string> {
  const output = await new LambdaClient({}).send(
    new PublishLayerVersionCommand({
      LayerName: 'stack-spec',
      Content: { ZipFile: zip },
    }),
  );
  return String(output.LayerVersionArn);
}

const deployed = { stackName: 'sosw-layer' } as DeployResult;

describe('deployedVersion', () => {
  it('reads the physical id', async () => {
    const zip = await layerZip();
    const arn = await publish(zip);
    const context = contextFor(zip);

    const version = await deployedVersion(
      context,
      deployed,
      clientsWithStackResource(arn),
    );

    expect(version.layerVersionArn).toBe(arn);
    expect(version.version).toBe(Number(arn.split(':').pop()));
    expect(version.layerArn).toBe(arn.replace(/:\d+$/, ''));
    expect(version.codeSha256).toBe(context.artifacts.manifest.sha256Base64);
  });

  it('rejects a version of another zip', async () => {
    const arn = await publish(await layerZip());
    const context = contextFor(await layerZip());

    await expect(
      deployedVersion(context, deployed, clientsWithStackResource(arn)),
    ).rejects.toThrow(`stack sosw-layer contains ${arn} with CodeSha256 `);
  });
});
