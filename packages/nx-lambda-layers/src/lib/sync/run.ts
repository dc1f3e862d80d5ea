import { logger } from '@nx/devkit';
import type { AwsClientsFactory } from '../aws/clients';
import type { LayerConfig } from '../layer-config';
import { findTemplateFiles } from './files';
import { withSyncLock } from './lock';
import { reportFile, reportSummary } from './report';
import { summarize, syncFiles, type SyncMode } from './sync';
import { resolveLayerVersion, validateLayerVersion } from './versions';

export interface SyncRunInput {
  workspaceRoot: string;
  /** Root of the layer project, relative to the workspace. */
  projectRoot: string;
  layer: LayerConfig;
  /** Workspace-relative folders to search for templates. */
  folders: string[];
  mode: SyncMode;
  /** Version to write. Unset: from the publish result, SSM or Lambda. */
  version?: number;
  toSsm?: boolean;
  renderDir?: string;
  region?: string;
  profile?: string;
}

/**
 * Syncs the layer's version into every template under `folders` and logs
 * the outcome. Returns false when a file had an error or, with `check`,
 * when a reference is stale. AWS is called only to resolve the version,
 * so `version` or `toSsm` make no AWS call at all.
 */
export async function runSync(
  input: SyncRunInput,
  createClients: AwsClientsFactory,
): Promise<boolean> {
  const { layer } = input;
  const version = input.toSsm ? 0 : await versionFor(input, createClients);
  if (!input.toSsm) {
    logger.info(`syncing layer ${layer.layerName} version ${version}`);
  }

  logger.info(`searching ${input.folders.join(', ')} for templates`);
  const search = await findTemplateFiles(input.workspaceRoot, input.folders);
  for (const skipped of search.skipped) {
    logger.warn(`${skipped.path}: ${skipped.reason}`);
  }

  const sync = () =>
    syncFiles(search.files, {
      workspaceRoot: input.workspaceRoot,
      layers: [layer],
      versions: new Map([[layer.layerName, version]]),
      mode: input.mode,
      renderDir: input.renderDir,
      toSsm: input.toSsm,
    });
  // --check and --dry-run write nothing, so they need no lock.
  const writes = input.mode === 'write' || input.mode === 'render';
  const results = writes
    ? await withSyncLock(input.workspaceRoot, sync, {
        onWait: (pid) =>
          logger.info(`waiting for sync-versions in process ${pid} to finish`),
      })
    : await sync();
  for (const result of results) reportFile(result, input.mode);

  const summary = summarize(results);
  reportSummary(summary, input.mode, `layer ${layer.layerName}`, input.toSsm);
  return (
    summary.errors === 0 && (input.mode !== 'check' || summary.stale === 0)
  );
}

async function versionFor(
  input: SyncRunInput,
  createClients: AwsClientsFactory,
): Promise<number> {
  if (input.version !== undefined) {
    return validateLayerVersion(input.version);
  }
  const clients = await createClients({
    region: input.region,
    profile: input.profile,
  });
  const resolved = await resolveLayerVersion(input.layer, clients, {
    workspaceRoot: input.workspaceRoot,
    projectRoot: input.projectRoot,
    versionOption: '--layer-version',
  });
  logger.info(
    `layer ${input.layer.layerName} version ${resolved.version} ` +
      `(from ${resolved.source})`,
  );
  return resolved.version;
}
