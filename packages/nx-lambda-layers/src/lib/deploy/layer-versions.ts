import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import {
  LAYER_CONFIG_FILE,
  type LayerConfig,
  readLayerConfig,
} from '../layer-config';
import { findLayerReferences, type LayerReference } from '../layer-refs';
import { renderReferences } from '../sync/render';
import {
  resolveLayerVersion,
  type ResolvedLayerVersion,
  type VersionClients,
} from '../sync/versions';
import { type ParsedTemplate, parseTemplate } from '../template';

/** A layer project of the workspace with its `layer.json`. */
export interface WorkspaceLayer {
  config: LayerConfig;
  /** Project root, relative to the workspace root. */
  projectRoot: string;
}

/**
 * Version tokens of layer ARNs that are replaced in the template sent:
 * each layer's placeholder token (`placeholders`), placeholders and written
 * version numbers (`all`), or none (`none`).
 */
export type LayerVersionSync = 'placeholders' | 'all' | 'none';

/** Maps the `syncLayerVersions` option (unset, true, false) to a mode. */
export function layerVersionSyncOf(option?: boolean): LayerVersionSync {
  if (option === undefined) return 'placeholders';
  return option ? 'all' : 'none';
}

/**
 * Lists the projects whose root contains `layer.json`, with their config.
 * `projects` maps project names to their roots, as in the Nx context.
 */
export function findWorkspaceLayers(
  workspaceRoot: string,
  projects: Record<string, { root: string }>,
): WorkspaceLayer[] {
  return Object.values(projects)
    .filter(({ root }) =>
      existsSync(join(workspaceRoot, root, LAYER_CONFIG_FILE)),
    )
    .map(({ root }) => ({
      config: readLayerConfig(workspaceRoot, root),
      projectRoot: root,
    }));
}

/**
 * Returns the template to send with the version token of every reference
 * to a workspace layer by ARN replaced by that layer's current version
 * (see `resolveLayerVersion`: publish result, SSM, then ListLayerVersions).
 * Only the bytes of each token change; the source file is never written.
 * Returns `template` itself when nothing is replaced.
 */
export async function syncTemplateLayerVersions(
  template: ParsedTemplate,
  layers: WorkspaceLayer[],
  clients: VersionClients,
  options: { mode: LayerVersionSync; workspaceRoot: string },
): Promise<ParsedTemplate> {
  const references = findLayerReferences(
    template,
    layers.map((layer) => layer.config),
  ).filter((reference) => reference.kind === 'arn');
  const selected = references.filter((reference) =>
    isSelected(reference, options.mode),
  );
  warnAboutPlaceholdersLeft(template, references, options.mode);
  if (selected.length === 0) {
    return template;
  }

  const versions = new Map<string, number>();
  for (const layerName of new Set(selected.map((item) => item.layerName))) {
    const layer = layers.find((item) => item.config.layerName === layerName);
    const resolved = await resolveLayerVersion(
      (layer as WorkspaceLayer).config,
      clients,
      { workspaceRoot: options.workspaceRoot, projectRoot: layer?.projectRoot },
    );
    logResolved(layerName, resolved);
    versions.set(layerName, resolved.version);
  }

  const rendered = renderReferences(template, selected, versions);
  for (const change of rendered.changes) {
    logger.info(
      `${template.source}:${change.line}:${change.column}: layer ` +
        `${change.layerName} version ${change.from} -> ${change.to} in the ` +
        'template sent',
    );
  }
  for (const skipped of rendered.skipped) {
    logger.warn(
      `${template.source}:${skipped.line}:${skipped.column}: layer ` +
        `${skipped.layerName} version not replaced: ${skipped.reason}`,
    );
  }
  return rendered.changes.length > 0
    ? parseTemplate(rendered.text, template.source)
    : template;
}

function isSelected(reference: LayerReference, mode: LayerVersionSync) {
  if (mode === 'none') return false;
  return reference.version === 'placeholder' || mode === 'all';
}

function logResolved(layerName: string, resolved: ResolvedLayerVersion) {
  logger.info(
    `layer ${layerName}: current version ${resolved.version} ` +
      `(from ${resolved.source})`,
  );
}

/** Warns when placeholders stay, because CloudFormation rejects them. */
function warnAboutPlaceholdersLeft(
  template: ParsedTemplate,
  references: LayerReference[],
  mode: LayerVersionSync,
): void {
  if (mode !== 'none') return;
  for (const reference of references) {
    if (reference.version === 'placeholder') {
      logger.warn(
        `${template.source}:${reference.line}:${reference.column}: layer ` +
          `${reference.layerName} keeps its placeholder version because ` +
          '`syncLayerVersions` is false; CloudFormation will reject the ARN',
      );
    }
  }
}
