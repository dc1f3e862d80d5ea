import { join } from 'node:path';
import {
  DescribeStackResourcesCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { GetLayerVersionCommand } from '@aws-sdk/client-lambda';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import { deployStack } from '../deploy/deploy';
import { loadDeployInput } from '../deploy/input';
import { templateParameters } from '../deploy/parameters';
import type { DeployResult } from '../deploy/report';
import {
  findNewestVersion,
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
 * the zip's bucket and key, and the SSM parameter name. A template may
 * declare any of them; undeclared ones are not sent.
 */
export const STACK_PARAMETERS = {
  bucket: 'LayerZipBucket',
  key: 'LayerZipKey',
  ssmParameter: 'VersionParameterName',
};

/** Where the layer project sits, for finding its stack template. */
export interface ProjectLocation {
  workspaceRoot: string;
  projectRoot: string;
}

/**
 * Publishes the zip through the layer's own stack in one region: uploads
 * it, deploys the stack with the key as a parameter through the deploy
 * executor's change set code, reads the new version ARN from the stack and
 * then shares it, writes the SSM parameter and applies retention as the
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
  const values = stackParameterValues(location, settings.ssmParameter);
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

function stackParameterValues(
  location: ZipLocation,
  ssmParameter: string,
): Record<string, string> {
  return {
    [STACK_PARAMETERS.bucket]: location.bucket,
    [STACK_PARAMETERS.key]: location.key,
    [STACK_PARAMETERS.ssmParameter]: ssmParameter,
  };
}

function logPlannedDeploy(
  context: PublishContext,
  location: ZipLocation,
): undefined {
  const { settings } = context;
  const values = stackParameterValues(location, settings.ssmParameter);
  logger.info(
    `dry run: would deploy stack ${settings.stackName} from ` +
      `${settings.stackTemplate} with a change set (CreateChangeSet, ` +
      `ExecuteChangeSet) and parameters ${JSON.stringify(values)}`,
  );
  return undefined;
}

/**
 * Reads the version the stack holds. moto 5.2.1 fills stack Outputs only
 * after CreateStack or UpdateStack, not after a change set, so the ARN
 * comes from the physical id of the `AWS::Lambda::LayerVersion` resource
 * (DescribeStackResources), which real CloudFormation sets to the version
 * ARN as well; when the stack has no such resource (the SAM variant before
 * its transform), the newest version from ListLayerVersions is used.
 */
async function deployedVersion(
  context: PublishContext,
  deployed: DeployResult,
  clients: AwsClients,
): Promise<LayerVersionInfo> {
  const arn = await stackLayerVersionArn(
    clients.cloudFormation,
    deployed.stackName,
  );
  if (!arn) {
    const newest = await findNewestVersion(
      clients.lambda,
      context.config.layerName,
    );
    if (!newest) {
      throw new Error(
        `stack ${deployed.stackName} has no AWS::Lambda::LayerVersion ` +
          `resource and layer ${context.config.layerName} has no versions; ` +
          'check the `stackTemplate` setting',
      );
    }
    return newest;
  }
  const version = Number(/:(\d+)$/.exec(arn)?.[1] ?? 0);
  const details = await clients.lambda.send(
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

async function stackLayerVersionArn(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<string | undefined> {
  const output = await cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const resource = (output.StackResources ?? []).find(
    (item) => item.ResourceType === 'AWS::Lambda::LayerVersion',
  );
  return resource?.PhysicalResourceId;
}
