import {
  DeleteLayerVersionCommand,
  type LambdaClient,
  paginateListFunctions,
  paginateListLayerVersions,
} from '@aws-sdk/client-lambda';
import { logger } from '@nx/devkit';
import { sendWrite, type WriteGate } from './calls';

/** Outcome of retention: the versions deleted and those kept, with reasons. */
export interface RetentionSummary {
  deleted: number[];
  kept: { version: number; reason: string }[];
}

/**
 * Decides which versions to delete: every version older than the newest
 * `keepVersions`, except the one just published and those a function uses
 * (`usedBy` maps a version to a function name). Pure, for tests.
 */
export function planRetention(
  versions: number[],
  keepVersions: number,
  publishedVersion: number,
  usedBy: Map<number, string>,
): RetentionSummary {
  const newestFirst = [...versions].sort((a, b) => b - a);
  const summary: RetentionSummary = { deleted: [], kept: [] };
  newestFirst.forEach((version, index) => {
    const reason =
      index < keepVersions
        ? `one of the newest ${keepVersions}`
        : version === publishedVersion
          ? 'just published'
          : usedBy.has(version)
            ? `used by function ${usedBy.get(version)}`
            : undefined;
    if (reason) summary.kept.push({ version, reason });
    else summary.deleted.push(version);
  });
  return summary;
}

/**
 * Deletes the layer's versions beyond the newest `keepVersions`, keeping
 * any that a function in this account and region still uses, and logs
 * what was deleted and what was kept and why.
 */
export async function pruneVersions(
  lambda: LambdaClient,
  layerArn: string,
  keepVersions: number,
  publishedVersion: number,
  gate: WriteGate,
): Promise<RetentionSummary> {
  // moto 5.2.1 lists no versions for a layer ARN, so the name is sent.
  const layerName = layerArn.slice(layerArn.lastIndexOf(':') + 1);
  const versions = await listVersionNumbers(lambda, layerName);
  const usedBy = await versionsInUse(lambda, layerArn);
  const summary = planRetention(
    versions,
    keepVersions,
    publishedVersion,
    usedBy,
  );
  for (const version of summary.deleted) {
    const command = new DeleteLayerVersionCommand({
      LayerName: layerName,
      VersionNumber: version,
    });
    await sendWrite(lambda, command, gate);
  }
  logRetention(summary, gate.dryRun);
  return summary;
}

function logRetention(summary: RetentionSummary, dryRun: boolean): void {
  const verb = dryRun ? 'would delete' : 'deleted';
  const deleted = summary.deleted.join(', ') || 'none';
  logger.info(`retention: ${verb} versions ${deleted}`);
  for (const { version, reason } of summary.kept) {
    logger.info(`retention: kept version ${version} (${reason})`);
  }
}

async function listVersionNumbers(
  lambda: LambdaClient,
  layerName: string,
): Promise<number[]> {
  const versions: number[] = [];
  const pages = paginateListLayerVersions(
    { client: lambda },
    { LayerName: layerName },
  );
  for await (const page of pages) {
    for (const item of page.LayerVersions ?? []) {
      if (item.Version) versions.push(item.Version);
    }
  }
  return versions;
}

/**
 * Maps each version of the layer that a function uses to one function
 * name. `FunctionVersion: ALL` includes published function versions, which
 * keep the layer versions they were published with.
 * NOTE: functions in other accounts that use a shared version are not
 * visible here, so sharing and `keepVersions` together can break them.
 */
export async function versionsInUse(
  lambda: LambdaClient,
  layerArn: string,
): Promise<Map<number, string>> {
  const used = new Map<number, string>();
  const pages = paginateListFunctions(
    { client: lambda },
    { FunctionVersion: 'ALL' },
  );
  for await (const page of pages) {
    for (const fn of page.Functions ?? []) {
      for (const layer of fn.Layers ?? []) {
        const match = /^(.*):(\d+)$/.exec(layer.Arn ?? '');
        if (match && match[1] === layerArn && !used.has(Number(match[2]))) {
          used.set(Number(match[2]), String(fn.FunctionName));
        }
      }
    }
  }
  return used;
}
