import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type LambdaClient,
  paginateListLayerVersions,
} from '@aws-sdk/client-lambda';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { logger } from '@nx/devkit';
import type { LayerConfig } from '../layer-config';
import {
  layerOutputDir,
  PUBLISH_RESULT_FILE,
  type PublishResult,
} from '../manifest';

/** Source of a resolved layer version number. */
export type LayerVersionSource =
  'option' | 'publish-result' | 'ssm' | 'list-layer-versions';

export interface ResolvedLayerVersion {
  version: number;
  source: LayerVersionSource;
}

/** The clients version resolution uses, a subset of `AwsClients`. */
export interface VersionClients {
  region: string;
  lambda: LambdaClient;
  ssm: SSMClient;
}

export interface ResolveLayerVersionOptions {
  /** Version given by the user (`--layer-version N`). */
  version?: number;
  /** Result of publish-layer; read from `dist/<projectRoot>` when unset. */
  publishResult?: PublishResult;
  /** Workspace root and layer project root, to find the publish result. */
  workspaceRoot?: string;
  projectRoot?: string;
  /** Option of the caller that gives a version, for the error message. */
  versionOption?: string;
}

/**
 * Resolves the version number that templates should reference, from the
 * first of these sources that has one:
 * 1. `version`, set by the user;
 * 2. the publish result of publish-layer (given, or read from
 *    `dist/<projectRoot>/publish-result.json`) when it is for the same
 *    layer and region: the version this workspace published last;
 * 3. the layer's SSM parameter, which publish-layer writes and a person
 *    may point back at an older version to roll back;
 * 4. the newest version from `ListLayerVersions`.
 * AWS is called only when the first two sources have no version.
 */
export async function resolveLayerVersion(
  layer: LayerConfig,
  clients: VersionClients,
  options: ResolveLayerVersionOptions = {},
): Promise<ResolvedLayerVersion> {
  if (options.version !== undefined) {
    return { version: validateLayerVersion(options.version), source: 'option' };
  }
  const published = usablePublishResult(layer, clients.region, options);
  if (published) {
    return { version: published.version, source: 'publish-result' };
  }
  const fromSsm = await readSsmVersion(layer, clients.ssm);
  if (fromSsm !== undefined) {
    return { version: fromSsm, source: 'ssm' };
  }
  const newest = await findNewestVersionNumber(clients.lambda, layer);
  if (newest === undefined) {
    throw new Error(
      `layer ${layer.layerName} has no published version in region ` +
        `${clients.region} and SSM parameter ${layer.ssmParameter} is not ` +
        'set; publish the layer first (the publish target of its project)' +
        (options.versionOption
          ? `, or give a version with ${options.versionOption}`
          : ''),
    );
  }
  return { version: newest, source: 'list-layer-versions' };
}

/** Returns `version` when it is a positive whole number, else throws. */
export function validateLayerVersion(version: number): number {
  if (!Number.isInteger(version) || version < 1) {
    throw new Error(
      `invalid layer version ${JSON.stringify(version)}; ` +
        'pass a positive whole number, such as 7',
    );
  }
  return version;
}

/**
 * Returns the publish result when it names this layer and region. A result
 * for another region is ignored, because version numbers count separately
 * in each region.
 */
function usablePublishResult(
  layer: LayerConfig,
  region: string,
  options: ResolveLayerVersionOptions,
): PublishResult | undefined {
  const result = options.publishResult ?? readPublishResult(options);
  if (!result) {
    return undefined;
  }
  if (result.layerName !== layer.layerName || result.region !== region) {
    logger.verbose(
      `publish result for layer ${result.layerName} in ${result.region} ` +
        `ignored: looking for layer ${layer.layerName} in ${region}`,
    );
    return undefined;
  }
  return { ...result, version: validateLayerVersion(result.version) };
}

/** Reads `dist/<projectRoot>/publish-result.json`, if it exists. */
export function readPublishResult(options: {
  workspaceRoot?: string;
  projectRoot?: string;
}): PublishResult | undefined {
  const { workspaceRoot, projectRoot } = options;
  if (workspaceRoot === undefined || projectRoot === undefined) {
    return undefined;
  }
  const relativePath = join(layerOutputDir(projectRoot), PUBLISH_RESULT_FILE);
  const path = join(workspaceRoot, relativePath);
  if (!existsSync(path)) {
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PublishResult;
  } catch (error) {
    throw new Error(
      `publish result ${relativePath} is not valid JSON ` +
        `(${(error as Error).message}); delete it or publish the layer again`,
    );
  }
}

/**
 * Reads the layer version ARN from the layer's SSM parameter and returns
 * its version, or undefined when the parameter does not exist.
 */
async function readSsmVersion(
  layer: LayerConfig,
  ssm: SSMClient,
): Promise<number | undefined> {
  let value: string | undefined;
  try {
    const output = await ssm.send(
      new GetParameterCommand({ Name: layer.ssmParameter }),
    );
    value = output.Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') {
      return undefined;
    }
    throw error;
  }
  return versionOfArn(
    value ?? '',
    layer,
    `SSM parameter ${layer.ssmParameter}`,
  );
}

const LAYER_VERSION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:([A-Za-z0-9_-]+):(\d+)$/;

/** Returns the version of a layer version ARN of `layer`, or throws. */
export function versionOfArn(
  arn: string,
  layer: LayerConfig,
  source: string,
): number {
  const match = LAYER_VERSION_ARN.exec(arn.trim());
  if (!match || match[1] !== layer.layerName) {
    throw new Error(
      `${source} contains ${JSON.stringify(arn)}, which is not a version ARN ` +
        `of layer ${layer.layerName}; publish the layer again to rewrite it`,
    );
  }
  return validateLayerVersion(Number(match[2]));
}

/** Returns the highest version number of the layer, paging through the list. */
async function findNewestVersionNumber(
  lambda: LambdaClient,
  layer: LayerConfig,
): Promise<number | undefined> {
  let newest: number | undefined;
  const pages = paginateListLayerVersions(
    { client: lambda },
    { LayerName: layer.layerName },
  );
  for await (const page of pages) {
    for (const item of page.LayerVersions ?? []) {
      if (item.Version && item.Version > (newest ?? 0)) newest = item.Version;
    }
  }
  return newest;
}
