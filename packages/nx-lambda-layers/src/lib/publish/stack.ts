import { join } from 'node:path';
import {
  DescribeStackResourcesCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import {
  GetLayerVersionCommand,
  type LambdaClient,
  paginateListLayers,
} from '@aws-sdk/client-lambda';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import { deployStack } from '../deploy/deploy';
import { loadDeployInput } from '../deploy/input';
import { templateParameters } from '../deploy/parameters';
import type { DeployResult } from '../deploy/report';
import {
  finishVersion,
  type LayerVersionInfo,
  newVersionPlaceholder,
  type PublishContext,
  type RegionPublishResult,
  resultOf,
  stripVersion,
  zipLocation,
} from './publish-layer';
import { uploadZip, type ZipLocation } from './upload';
import { PublishSettingsError } from './settings';

/**
 * Template parameters that publish-layer sets in `mode: cloudformation`:
 * the zip's bucket and key, and an empty SSM parameter name. A template
 * may declare any of them; undeclared ones are not sent.
 *
 * The name is sent empty so that the stack leaves the parameter out and
 * publish-layer writes it, only when the value differs, as in the direct
 * mode. Real CloudFormation fails to create an `AWS::SSM::Parameter` whose
 * name already exists, so a stack-owned parameter would clash with one
 * written by an earlier direct publish.
 */
export const STACK_PARAMETERS = {
  bucket: 'LayerZipBucket',
  key: 'LayerZipKey',
  ssmParameter: 'VersionParameterName',
};

/** Location of the layer project, for finding its stack template. */
export interface ProjectLocation {
  workspaceRoot: string;
  projectRoot: string;
}

/**
 * Publishes the zip through the layer's own stack in one region. Uploads
 * it and deploys the stack with its key as a parameter, through the change
 * set code of the deploy executor. Then reads the version ARN from the
 * stack and shares it, writes it to SSM and applies retention, as the
 * direct mode does.
 */
export async function publishWithStack(
  context: PublishContext,
  project: ProjectLocation,
  clients: AwsClients,
): Promise<RegionPublishResult> {
  const { settings, artifacts } = context;
  const gate = { dryRun: settings.dryRun, region: clients.region };
  if (settings.force) {
    logger.warn(
      'force has no effect in mode cloudformation: the stack creates a ' +
        'version only when the zip, and so its key, changes',
    );
  }
  const location = await zipLocation(context, clients);
  if (!location) {
    throw new PublishSettingsError(
      'mode cloudformation needs an S3 bucket for the zip; set ' +
        '`publish.s3Bucket` in layer.json or the `s3Bucket` option',
    );
  }
  const uploaded = await uploadZip(clients.s3, location, artifacts.zip, gate);

  const deployed = settings.dryRun
    ? logPlannedDeploy(context, location)
    : await deployLayerStack(context, project, location, clients);
  const version = deployed
    ? await deployedVersion(context, deployed, clients)
    : newVersionPlaceholder(artifacts);
  const after = await finishVersion(context, clients, version, gate);
  return {
    ...resultOf(context.config, clients.region, version, !deployed?.noChanges),
    ssmParameter: settings.ssmParameter,
    s3Location: location,
    uploaded,
    ...after,
    dryRun: settings.dryRun,
  };
}

async function deployLayerStack(
  context: PublishContext,
  project: ProjectLocation,
  location: ZipLocation,
  clients: AwsClients,
): Promise<DeployResult> {
  const { settings } = context;
  const input = loadDeployInput(project.workspaceRoot, project.projectRoot, {
    template: join(project.projectRoot, settings.stackTemplate),
    stackName: settings.stackName,
    region: clients.region,
    profile: settings.profile,
  });
  const declared = new Set(
    templateParameters(input.template.value).map((item) => item.name),
  );
  const values = stackParameterValues(location);
  for (const [name, value] of Object.entries(values)) {
    if (declared.has(name)) input.settings.parameterOverrides[name] = value;
  }
  logger.info(
    `deploying stack ${settings.stackName} with ${location.key} ` +
      `(${input.template.source})`,
  );
  const result = await deployStack(input, clients);
  if (!result.success) {
    const reasons = result.failedResources
      .map((item) => `${item.logicalId}: ${item.reason}`)
      .join('; ');
    throw new Error(
      `stack ${settings.stackName} did not deploy (${result.status})` +
        (reasons ? `: ${reasons}` : '') +
        '; see the stack events in the log above',
    );
  }
  return result;
}

function stackParameterValues(location: ZipLocation): Record<string, string> {
  return {
    [STACK_PARAMETERS.bucket]: location.bucket,
    [STACK_PARAMETERS.key]: location.key,
    [STACK_PARAMETERS.ssmParameter]: '',
  };
}

function logPlannedDeploy(
  context: PublishContext,
  location: ZipLocation,
): undefined {
  const { settings } = context;
  const values = stackParameterValues(location);
  logger.info(
    `dry run: would deploy stack ${settings.stackName} from ` +
      `${settings.stackTemplate} with a change set (CreateChangeSet, ` +
      `ExecuteChangeSet) and parameters ${JSON.stringify(values)}`,
  );
  return undefined;
}

/**
 * Reads the layer version of the stack and checks that it has the zip's hash.
 * Real CloudFormation sets the physical id of an `AWS::Lambda::LayerVersion`
 * to the version ARN (DescribeStackResources). moto 5.2.1 leaves it empty
 * and fills Outputs only after CreateStack or UpdateStack, not after a
 * change set. It also names the layer `<stack>-<logical id>-<suffix>`,
 * ignoring `LayerName`, so on moto the newest version of such a layer is
 * used.
 * NOTE: moto 5.2.1 runs an UPDATE change set without creating the new
 * version, so only creating the stack and an unchanged rerun are tested.
 */
export async function deployedVersion(
  context: PublishContext,
  deployed: DeployResult,
  clients: AwsClients,
): Promise<LayerVersionInfo> {
  const resource = await stackLayerResource(
    clients.cloudFormation,
    deployed.stackName,
  );
  const arn =
    resource.physicalId ||
    (await newestStackLayerVersion(
      clients.lambda,
      `${deployed.stackName}-${resource.logicalId}-`,
    ));
  if (!arn) {
    throw new Error(
      `stack ${deployed.stackName} contains no layer version; check that ` +
        `${context.settings.stackTemplate} has an AWS::Lambda::LayerVersion`,
    );
  }
  const version = await layerVersionInfo(clients.lambda, arn);
  const expected = context.artifacts.manifest.sha256Base64;
  if (version.codeSha256 !== expected) {
    throw new Error(
      `stack ${deployed.stackName} contains ${arn} with CodeSha256 ` +
        `${version.codeSha256}, not the zip's ${expected}; check the ` +
        `${STACK_PARAMETERS.key} parameter of the template`,
    );
  }
  return version;
}

async function layerVersionInfo(
  lambda: LambdaClient,
  arn: string,
): Promise<LayerVersionInfo> {
  const version = Number(/:(\d+)$/.exec(arn)?.[1] ?? 0);
  const details = await lambda.send(
    new GetLayerVersionCommand({
      LayerName: stripVersion(arn),
      VersionNumber: version,
    }),
  );
  return {
    version,
    layerArn: stripVersion(arn),
    layerVersionArn: arn,
    codeSha256: details.Content?.CodeSha256 ?? '',
  };
}

async function stackLayerResource(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<{ logicalId: string; physicalId?: string }> {
  const output = await cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const resource = (output.StackResources ?? []).find(
    (item) => item.ResourceType === 'AWS::Lambda::LayerVersion',
  );
  return {
    logicalId: String(resource?.LogicalResourceId ?? ''),
    physicalId: resource?.PhysicalResourceId,
  };
}

/** Returns the newest version ARN of the layers whose name has the prefix. */
async function newestStackLayerVersion(
  lambda: LambdaClient,
  namePrefix: string,
): Promise<string | undefined> {
  let newest: { arn: string; created: string } | undefined;
  for await (const page of paginateListLayers({ client: lambda }, {})) {
    for (const layer of page.Layers ?? []) {
      const latest = layer.LatestMatchingVersion;
      if (!layer.LayerName?.startsWith(namePrefix) || !latest) continue;
      const created = String(latest.CreatedDate);
      if (!newest || created > newest.created) {
        newest = { arn: String(latest.LayerVersionArn), created };
      }
    }
  }
  return newest?.arn;
}
