import {
  type Architecture,
  GetLayerVersionCommand,
  type LambdaClient,
  type LayerVersionContentInput,
  type LayerVersionsListItem,
  paginateListLayerVersions,
  PublishLayerVersionCommand,
  type PublishLayerVersionCommandOutput,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import type { LayerConfig } from '../layer-config';
import type { PublishResult } from '../manifest';
import type { LayerArtifacts } from './artifacts';
import { sendWrite, type WriteGate } from './calls';
import { pruneVersions, type RetentionSummary } from './retention';
import {
  expandBucketName,
  type PublishSettings,
  versionDescription,
} from './settings';
import { shareLayerVersion } from './sharing';
import { writeVersionParameter } from './ssm-parameter';
import {
  checkBucket,
  uploadZip,
  type ZipLocation,
  zipObjectKey,
} from './upload';

/** Input of a publish: the layer, its settings and its build output. */
export interface PublishContext {
  config: LayerConfig;
  settings: PublishSettings;
  artifacts: LayerArtifacts;
}

/** Result of one region, as written to `publish-result.json`. */
export interface RegionPublishResult extends PublishResult {
  /** S3 location of the zip, when a bucket is set. */
  s3Location?: ZipLocation;
  /** False when the zip was already in S3 or went in the request. */
  uploaded: boolean;
  /** False when the SSM parameter already held the ARN. */
  parameterWritten: boolean;
  /** Accounts and organizations given access in this run. */
  sharedWith: string[];
  /** Set when `keepVersions` is. */
  retention?: RetentionSummary;
  /** True for a dry run: nothing was written and the ARN may be a placeholder. */
  dryRun: boolean;
}

/** A layer version and its code hash. */
export interface LayerVersionInfo {
  version: number;
  layerArn: string;
  layerVersionArn: string;
  codeSha256: string;
}

/** ARN shown in a dry run for the version a real run would publish. */
export const NEW_VERSION_ARN = '<ARN of the new version>';

/**
 * Publishes the zip in one region with the Lambda API. A new version is
 * published unless the newest has the same `CodeSha256` (or `force` is
 * set), and the zip goes through S3 when a bucket is set. Then the version
 * is shared, written to SSM and retention is applied.
 */
export async function publishDirect(
  context: PublishContext,
  clients: AwsClients,
): Promise<RegionPublishResult> {
  const { config, settings, artifacts } = context;
  const gate = { dryRun: settings.dryRun, region: clients.region };
  logger.info(
    `checking versions of layer ${config.layerName} in ${clients.region}`,
  );
  const newest = await findNewestVersion(clients.lambda, config.layerName);
  const reused = reusableVersion(newest, artifacts, settings.force);

  let s3Location: ZipLocation | undefined;
  let uploaded = false;
  let version = reused;
  if (!version) {
    s3Location = await zipLocation(context, clients);
    if (s3Location) {
      uploaded = await uploadZip(clients.s3, s3Location, artifacts.zip, gate);
    }
    version = await publishVersion(context, clients.lambda, s3Location, gate);
  }
  const after = await finishVersion(context, clients, version, gate);
  return {
    ...resultOf(config, clients.region, version, version !== reused),
    ssmParameter: settings.ssmParameter,
    s3Location,
    uploaded,
    ...after,
    dryRun: settings.dryRun,
  };
}

function reusableVersion(
  newest: LayerVersionInfo | undefined,
  artifacts: LayerArtifacts,
  force: boolean,
): LayerVersionInfo | undefined {
  if (!newest || newest.codeSha256 !== artifacts.manifest.sha256Base64) {
    return undefined;
  }
  const forced = force ? ', publishing anyway (force)' : '';
  logger.info(
    `layer unchanged: same CodeSha256 as version ${newest.version}${forced}`,
  );
  return force ? undefined : newest;
}

/**
 * Shares the version, writes the SSM parameter and applies retention: the
 * steps after a version exists, in both publish modes.
 */
export async function finishVersion(
  context: PublishContext,
  clients: AwsClients,
  version: LayerVersionInfo,
  gate: WriteGate,
): Promise<
  Pick<RegionPublishResult, 'parameterWritten' | 'sharedWith' | 'retention'>
> {
  const { settings, config } = context;
  const placeholder = version.layerVersionArn === NEW_VERSION_ARN;
  const sharing = {
    accounts: settings.shareWithAccounts,
    organizationId: settings.shareWithOrganization,
  };
  const sharedWith = placeholder
    ? logPlannedSharing(sharing.accounts, sharing.organizationId)
    : await shareLayerVersion(
        clients.lambda,
        version.layerArn,
        version.version,
        sharing,
        gate,
      );
  const parameterWritten = await writeVersionParameter(
    clients.ssm,
    settings.ssmParameter,
    version.layerVersionArn,
    config.layerName,
    gate,
  );
  if (placeholder && settings.keepVersions !== undefined) {
    logger.info(
      'dry run: retention is decided once the new version exists, so no ' +
        'DeleteLayerVersion calls are listed',
    );
  }
  const retention =
    settings.keepVersions === undefined || placeholder
      ? undefined
      : await pruneVersions(
          clients.lambda,
          version.layerArn,
          settings.keepVersions,
          version.version,
          gate,
        );
  return { parameterWritten, sharedWith, retention };
}

/** Logs, in a dry run, the grants a new version would get. */
function logPlannedSharing(accounts: string[], organizationId?: string) {
  const labels = [
    ...accounts.map((account) => `account ${account}`),
    ...(organizationId ? [`organization ${organizationId}`] : []),
  ];
  for (const label of labels) {
    logger.info(
      'dry run: would call AddLayerVersionPermission for the new version ' +
        `and ${label}`,
    );
  }
  return [];
}

/** Returns the zip's S3 location, checking the bucket, or undefined. */
export async function zipLocation(
  context: PublishContext,
  clients: AwsClients,
): Promise<ZipLocation | undefined> {
  const { settings, config, artifacts } = context;
  if (!settings.s3Bucket) return undefined;

  const accountId = settings.s3Bucket.includes('{accountId}')
    ? await accountIdOf(clients)
    : '';
  const bucket = expandBucketName(settings.s3Bucket, accountId, clients.region);
  await checkBucket(clients.s3, bucket, clients.region);
  const key = zipObjectKey(
    settings.s3Prefix,
    config.layerName,
    artifacts.manifest.sha256,
  );
  return { bucket, key };
}

/** Returns the account id of the credentials, from STS. */
export async function accountIdOf(clients: AwsClients): Promise<string> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account) {
    throw new Error('STS GetCallerIdentity returned no account id');
  }
  return identity.Account;
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

/** Sends PublishLayerVersion with the zip in the request or in S3. */
async function publishVersion(
  context: PublishContext,
  lambda: LambdaClient,
  s3Location: ZipLocation | undefined,
  gate: WriteGate,
): Promise<LayerVersionInfo> {
  const { config, artifacts } = context;
  const content: LayerVersionContentInput = s3Location
    ? { S3Bucket: s3Location.bucket, S3Key: s3Location.key }
    : { ZipFile: artifacts.zip };
  logger.info(
    `publishing ${artifacts.zipPath} (${artifacts.zip.length} bytes) ` +
      `as layer ${config.layerName}`,
  );
  const command = new PublishLayerVersionCommand({
    LayerName: config.layerName,
    Description: versionDescription(config.description, artifacts.manifest),
    LicenseInfo: config.license,
    CompatibleRuntimes: config.runtimes as Runtime[],
    CompatibleArchitectures: config.architectures as Architecture[],
    Content: content,
  });
  const output = await sendWrite<PublishLayerVersionCommandOutput>(
    lambda,
    command,
    gate,
  );
  if (!output) {
    return newVersionPlaceholder(artifacts);
  }
  const version = output.Version ?? 0;
  logger.info(`published ${output.LayerVersionArn} (version ${version})`);
  return {
    version,
    layerArn: output.LayerArn ?? stripVersion(output.LayerVersionArn),
    layerVersionArn: String(output.LayerVersionArn),
    codeSha256: output.Content?.CodeSha256 ?? '',
  };
}

export function newVersionPlaceholder(
  artifacts: LayerArtifacts,
): LayerVersionInfo {
  return {
    version: 0,
    layerArn: '',
    layerVersionArn: NEW_VERSION_ARN,
    codeSha256: artifacts.manifest.sha256Base64,
  };
}

/** Builds the fields of `PublishResult` for one region. */
export function resultOf(
  config: LayerConfig,
  region: string,
  version: LayerVersionInfo,
  published: boolean,
): PublishResult {
  return {
    layerName: config.layerName,
    region,
    layerArn: version.layerArn,
    layerVersionArn: version.layerVersionArn,
    version: version.version,
    codeSha256: version.codeSha256,
    published,
    ssmParameter: config.ssmParameter,
  };
}

/** `arn:...:layer:name:7` -> `arn:...:layer:name`. */
export function stripVersion(layerVersionArn: string | undefined): string {
  return String(layerVersionArn).replace(/:\d+$/, '');
}
