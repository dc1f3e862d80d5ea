import { logger } from '@nx/devkit';
import type { AwsClients, AwsClientsFactory } from '../aws/clients';
import type { PublishResult } from '../manifest';
import { explainFailure, tagFailedActions } from './calls';
import {
  type PublishContext,
  publishDirect,
  type RegionPublishResult,
} from './publish-layer';
import { type ProjectLocation, publishWithStack } from './stack';

/** A region whose publish failed, with the reason. */
export interface FailedRegion {
  region: string;
  failed: true;
  error: string;
}

/**
 * Contents of `publish-result.json`: the fields of `PublishResult` for the
 * first region that succeeded (for readers of a single-region result) and
 * every region in `regions`, failed ones included.
 */
export type PublishResultFile = Partial<PublishResult> & {
  sha256: string;
  success: boolean;
  regions: (RegionPublishResult | FailedRegion)[];
};

/**
 * Publishes in each region in turn. A failed region is logged and the
 * others still run. A rerun repeats only what is missing, because each
 * step skips work that is already done: same hash, same key, same
 * parameter value, same statement id.
 */
export async function publishInRegions(
  context: PublishContext,
  project: ProjectLocation,
  createClients: AwsClientsFactory,
): Promise<PublishResultFile> {
  warnAboutSharedRetention(context);
  const entries: (RegionPublishResult | FailedRegion)[] = [];
  for (const region of context.settings.regions) {
    entries.push(
      await publishInRegion(context, project, createClients, region),
    );
  }

  logSummary(entries);
  const first = entries.find(
    (entry): entry is RegionPublishResult => !('failed' in entry),
  );
  return {
    ...(first ? publishResultFields(first) : {}),
    sha256: context.artifacts.manifest.sha256,
    success: entries.every((entry) => !('failed' in entry)),
    regions: entries,
  };
}

async function publishInRegion(
  context: PublishContext,
  project: ProjectLocation,
  createClients: AwsClientsFactory,
  region: string | undefined,
): Promise<RegionPublishResult | FailedRegion> {
  const { profile } = context.settings;
  let clients: AwsClients | undefined;
  try {
    clients = await createClients({ region, profile });
    tagFailedActions([
      clients.lambda,
      clients.ssm,
      clients.s3,
      clients.cloudFormation,
    ]);
    return context.settings.mode === 'cloudformation'
      ? await publishWithStack(context, project, clients)
      : await publishDirect(context, clients);
  } catch (error) {
    const message = await explainFailure(error, clients?.sts, profile);
    const name = clients?.region ?? region ?? 'the default region';
    logger.error(`publish in ${name} failed: ${message}`);
    return { region: name, failed: true, error: message };
  }
}

/**
 * Warns when retention runs on a shared layer: ListFunctions lists only this
 * account's functions, so a version used by another account can be
 * deleted.
 */
function warnAboutSharedRetention(context: PublishContext): void {
  const { keepVersions, shareWithAccounts, shareWithOrganization } =
    context.settings;
  const shared = shareWithAccounts.length > 0 || shareWithOrganization;
  if (keepVersions === undefined || !shared) return;
  logger.warn(
    `keepVersions ${keepVersions} on a shared layer: versions that only ` +
      'other accounts use are not detected and can be deleted',
  );
}

function logSummary(entries: (RegionPublishResult | FailedRegion)[]): void {
  for (const entry of entries) {
    if ('failed' in entry) {
      logger.error(`${entry.region}: FAILED (error above)`);
      continue;
    }
    const state = entry.dryRun
      ? 'dry run'
      : entry.published
        ? 'published'
        : 'unchanged';
    logger.info(
      `${entry.region}: ${entry.layerVersionArn} (version ${entry.version}, ` +
        `${state})`,
    );
  }
  const failed = entries.filter((entry) => 'failed' in entry);
  if (failed.length > 0) {
    logger.error(
      `publish failed in ${failed.map((entry) => entry.region).join(', ')}; ` +
        'fix the cause and run the target again: regions that succeeded ' +
        'are not published again',
    );
  }
}

function publishResultFields(entry: RegionPublishResult): PublishResult {
  return {
    layerName: entry.layerName,
    region: entry.region,
    layerArn: entry.layerArn,
    layerVersionArn: entry.layerVersionArn,
    version: entry.version,
    codeSha256: entry.codeSha256,
    published: entry.published,
    ssmParameter: entry.ssmParameter,
  };
}
