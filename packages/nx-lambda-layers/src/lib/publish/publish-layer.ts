import {
  type Architecture,
  GetLayerVersionCommand,
  type LambdaClient,
  type LayerVersionsListItem,
  paginateListLayerVersions,
  PublishLayerVersionCommand,
  type PublishLayerVersionCommandInput,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { logger } from '@nx/devkit';
import type { LayerConfig } from '../layer-config';
import type { PublishResult } from '../manifest';
import type { LayerArtifacts } from './artifacts';

export interface PublishLayerOptions {
  /** Log the calls that would change AWS and make none of them. */
  dryRun?: boolean;
  /** Publish a new version even when the newest one has the same hash. */
  force?: boolean;
}

/** The clients publishing uses, a subset of `AwsClients`. */
export interface PublishClients {
  region: string;
  lambda: LambdaClient;
  ssm: SSMClient;
}

/** The newest published version of a layer and its code hash. */
interface LayerVersionInfo {
  version: number;
  layerArn: string;
  layerVersionArn: string;
  codeSha256: string;
}

/**
 * Publishes the zip as a new layer version unless the newest version has
 * the same `CodeSha256` (or `force` is set), then writes the version ARN to
 * the layer's SSM parameter in both cases, so a deleted parameter is
 * restored. A dry run makes only read calls and returns undefined.
 */
export async function publishLayer(
  config: LayerConfig,
  artifacts: LayerArtifacts,
  clients: PublishClients,
  options: PublishLayerOptions = {},
): Promise<PublishResult | undefined> {
  const { manifest } = artifacts;
  logger.info(`checking versions of layer ${config.layerName}`);
  const newest = await findNewestVersion(clients.lambda, config.layerName);
  const unchanged = newest?.codeSha256 === manifest.sha256Base64;
  if (newest && unchanged) {
    const forced = options.force ? ', publishing anyway (force)' : '';
    logger.info(
      `layer unchanged: same CodeSha256 as version ${newest.version}${forced}`,
    );
  }
  const reused = unchanged && !options.force ? newest : undefined;

  if (options.dryRun) {
    logDryRun(config, artifacts, reused);
    return undefined;
  }
  const version =
    reused ?? (await publishVersion(config, artifacts, clients.lambda));
  await putVersionParameter(config, version, clients.ssm);
  return {
    layerName: config.layerName,
    region: clients.region,
    layerArn: version.layerArn,
    layerVersionArn: version.layerVersionArn,
    version: version.version,
    codeSha256: version.codeSha256,
    published: version !== reused,
    ssmParameter: config.ssmParameter,
  };
}

/**
 * Returns the highest version of the layer with its hash, or undefined when
 * the layer has no versions. Pages through the list with `Marker`.
 */
export async function findNewestVersion(
  lambda: LambdaClient,
  layerName: string,
): Promise<LayerVersionInfo | undefined> {
  let newest: LayerVersionsListItem | undefined;
  const pages = paginateListLayerVersions(
    { client: lambda },
    { LayerName: layerName },
  );
  for await (const page of pages) {
    for (const item of page.LayerVersions ?? []) {
      if ((item.Version ?? 0) > (newest?.Version ?? 0)) newest = item;
    }
  }
  if (!newest?.Version) {
    return undefined;
  }

  // ListLayerVersions leaves out the hash, so the newest one is fetched.
  const details = await lambda.send(
    new GetLayerVersionCommand({
      LayerName: layerName,
      VersionNumber: newest.Version,
    }),
  );
  return {
    version: newest.Version,
    layerArn: details.LayerArn ?? stripVersion(newest.LayerVersionArn),
    layerVersionArn: details.LayerVersionArn ?? String(newest.LayerVersionArn),
    codeSha256: details.Content?.CodeSha256 ?? '',
  };
}

/**
 * Sends PublishLayerVersion with the zip bytes in the request.
 * NOTE: Lambda rejects a direct upload over 50 MB zipped; uploading larger
 * zips through S3 is not implemented.
 */
async function publishVersion(
  config: LayerConfig,
  artifacts: LayerArtifacts,
  lambda: LambdaClient,
): Promise<LayerVersionInfo> {
  logger.info(
    `publishing ${artifacts.zipPath} (${artifacts.zip.length} bytes) ` +
      `as layer ${config.layerName}`,
  );
  const output = await lambda.send(
    new PublishLayerVersionCommand({
      ...publishInput(config),
      Content: { ZipFile: artifacts.zip },
    }),
  );

  const version = output.Version ?? 0;
  logger.info(`published ${output.LayerVersionArn} (version ${version})`);
  return {
    version,
    layerArn: output.LayerArn ?? stripVersion(output.LayerVersionArn),
    layerVersionArn: String(output.LayerVersionArn),
    codeSha256: output.Content?.CodeSha256 ?? '',
  };
}

async function putVersionParameter(
  config: LayerConfig,
  version: LayerVersionInfo,
  ssm: SSMClient,
): Promise<void> {
  await ssm.send(
    new PutParameterCommand(parameterInput(config, version.layerVersionArn)),
  );
  logger.info(
    `SSM parameter ${config.ssmParameter} = ${version.layerVersionArn}`,
  );
}

/** Logs the write calls a real run would make, with their input. */
function logDryRun(
  config: LayerConfig,
  artifacts: LayerArtifacts,
  reused: LayerVersionInfo | undefined,
): void {
  if (!reused) {
    logger.info(
      `dry run: would call PublishLayerVersion ` +
        `${JSON.stringify(publishInput(config))} with ${artifacts.zipPath} ` +
        `(${artifacts.zip.length} bytes)`,
    );
  }
  const value = reused?.layerVersionArn ?? '<ARN of the new version>';
  logger.info(
    `dry run: would call PutParameter ` +
      JSON.stringify(parameterInput(config, value)),
  );
}

/** PublishLayerVersion input without the zip. Lambda validates the enum values. */
function publishInput(
  config: LayerConfig,
): Omit<PublishLayerVersionCommandInput, 'Content'> {
  return {
    LayerName: config.layerName,
    Description: config.description,
    LicenseInfo: config.license,
    CompatibleRuntimes: config.runtimes as Runtime[],
    CompatibleArchitectures: config.architectures as Architecture[],
  };
}

function parameterInput(config: LayerConfig, value: string) {
  return {
    Name: config.ssmParameter,
    Value: value,
    Type: 'String' as const,
    Overwrite: true,
    Description: `Version ARN of Lambda layer ${config.layerName}, written by publish-layer`,
  };
}

/** `arn:...:layer:name:7` -> `arn:...:layer:name`. */
function stripVersion(layerVersionArn: string | undefined): string {
  return String(layerVersionArn).replace(/:\d+$/, '');
}
