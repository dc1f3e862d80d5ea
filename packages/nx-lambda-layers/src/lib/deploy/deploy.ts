import { createHash } from 'node:crypto';
import type { Parameter, Stack } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import { describeFailure } from '../aws/errors';
import type { ParsedTemplate } from '../template';
import { ensureArtifactBucket } from './artifact-bucket';
import {
  changeSetTypeFor,
  createChangeSet,
  describeStack,
  executeChangeSet,
} from './change-set';
import {
  type FailedResource,
  followStackEvents,
  isSuccessStatus,
  recentEventIds,
} from './events';
import {
  type ArtifactLocation,
  findLocalCode,
  joinKey,
  packageLocalCode,
} from './packaging';
import {
  changeSetParameters,
  resolveSsmParameters,
  templateParameters,
  unknownOverrides,
} from './parameters';
import { CHANGE_SET_POLL, type PollTiming, STACK_POLL } from './poll';
import {
  type DeployResult,
  logChanges,
  logFailures,
  logStackSummary,
  stackOutputs,
  stackResolvedParameters,
} from './report';
import type { DeploySettings } from './settings';
import {
  type ResolvedParameter,
  serializeTemplate,
  stampResolvedParameters,
} from './template-body';

/** CloudFormation's limit on `TemplateBody`; larger templates go through S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** A template to deploy, with the folders its paths are checked against. */
export interface DeployInput {
  template: ParsedTemplate;
  /** Absolute folder of the template; code paths are relative to it. */
  templateDir: string;
  /** Absolute project folder; code paths must stay inside it. */
  projectDir: string;
  settings: DeploySettings;
}

/** Poll timing of the change set and the stack operation. */
export interface DeployTiming {
  changeSet: PollTiming;
  stack: PollTiming;
}

/**
 * Deploys the template with a change set: packages local code, resolves
 * SSM-typed parameters and stamps them in the template sent, creates the
 * change set, executes it and follows the stack events.
 */
export async function deployStack(
  input: DeployInput,
  clients: AwsClients,
  timing: DeployTiming = { changeSet: CHANGE_SET_POLL, stack: STACK_POLL },
): Promise<DeployResult> {
  const { template, settings } = input;
  const parameters = templateParameters(template.value);
  const overrides = knownOverrides(parameters, settings.parameterOverrides);
  const resolved = await resolveSsmParameters(
    parameters,
    overrides,
    clients.ssm,
  );
  if (Object.keys(resolved).length > 0) {
    stampResolvedParameters(template, resolved);
  }
  const body = await prepareTemplateBody(input, clients);

  const stack = await describeStack(clients.cloudFormation, settings.stackName);
  const type = changeSetTypeFor(stack, settings.stackName);
  logger.info(`creating ${type} change set for stack ${settings.stackName}`);
  const outcome = await createChangeSet(
    clients.cloudFormation,
    {
      ...body,
      ...changeSetSettings(settings),
      type,
      parameters: sentParameters(parameters, overrides, stack),
    },
    timing.changeSet,
  );

  const result = newResult(settings, clients.region, stack, type, resolved);
  if (outcome.kind === 'noChanges') {
    logger.info(`no changes to deploy for stack ${settings.stackName}`);
    const values = stackResolvedParameters(stack, resolved);
    return {
      ...result,
      noChanges: true,
      success: true,
      resolvedParameters: values,
    };
  }
  logChanges(outcome.changes);
  result.changes = outcome.changes;
  if (settings.noExecuteChangeset) {
    logNotExecuted(outcome.changeSetId);
    return { ...result, success: true };
  }
  return executeAndFollow(clients, outcome, result, timing.stack);
}

function changeSetSettings(settings: DeploySettings) {
  return {
    stackName: settings.stackName,
    capabilities: settings.capabilities,
    tags: settings.tags,
    roleArn: settings.roleArn,
    notificationArns: settings.notificationArns,
  };
}

function logNotExecuted(changeSetId: string): void {
  logger.info(
    `change set ${changeSetId} created and not executed ` +
      '(noExecuteChangeset); execute it with `aws cloudformation ' +
      `execute-change-set --change-set-name ${changeSetId}\``,
  );
}

async function executeAndFollow(
  clients: AwsClients,
  changeSet: { changeSetId: string; stackId: string },
  result: DeployResult,
  timing: PollTiming,
): Promise<DeployResult> {
  const { cloudFormation } = clients;
  const seen = await recentEventIds(cloudFormation, changeSet.stackId);
  logger.info(`executing change set on stack ${result.stackName}`);
  let failures: FailedResource[];
  try {
    await executeChangeSet(cloudFormation, changeSet.changeSetId);
    ({ failures } = await followStackEvents(
      cloudFormation,
      changeSet.stackId,
      seen,
      timing,
    ));
  } catch (error) {
    // The local emulator (moto 5.2.1) fails ExecuteChangeSet itself when a
    // resource fails, where CloudFormation reports a failed resource event.
    failures = [executionFailure(result.stackName, error)];
  }

  const stack = await describeStack(cloudFormation, changeSet.stackId);
  const status = String(stack?.StackStatus);
  const final: DeployResult = {
    ...result,
    status,
    executed: true,
    success: failures.length === 0 && isSuccessStatus(status),
    failedResources: failures,
    resolvedParameters: stackResolvedParameters(
      stack,
      result.resolvedParameters,
    ),
    outputs: stackOutputs(stack),
  };
  logFailures(failures);
  logStackSummary(final);
  logger.info(`stack ${result.stackName}: ${status}`);
  return final;
}

/**
 * Packages local code and returns the template to send: the body, or a URL
 * of a copy in S3 when the body exceeds CloudFormation's limit.
 */
async function prepareTemplateBody(
  input: DeployInput,
  clients: AwsClients,
): Promise<{ templateBody?: string; templateUrl?: string }> {
  const { template, templateDir, projectDir, settings } = input;
  const code = findLocalCode(template, templateDir, projectDir);
  let location: ArtifactLocation | undefined;
  if (code.length > 0) {
    location = await artifactLocation(settings, clients, template.source);
    await packageLocalCode(template, code, location, clients.s3);
  }

  const body = serializeTemplate(template);
  if (Buffer.byteLength(body) <= MAX_TEMPLATE_BODY_BYTES) {
    return { templateBody: body };
  }
  location ??= await artifactLocation(settings, clients, template.source);
  return { templateUrl: await uploadTemplate(body, location, clients) };
}

/** Returns the S3 bucket and prefix for packaged code and large templates. */
async function artifactLocation(
  settings: DeploySettings,
  clients: AwsClients,
  source: string,
): Promise<ArtifactLocation> {
  const prefix = settings.s3Prefix ?? '';
  if (settings.s3Bucket) {
    return { bucket: settings.s3Bucket, prefix };
  }
  if (settings.resolveS3) {
    const bucket = await ensureArtifactBucket(
      clients.s3,
      clients.sts,
      clients.region,
    );
    return { bucket, prefix };
  }
  throw new Error(
    `${source} needs an S3 bucket for its local code or its size; set ` +
      '`s3_bucket` or `resolve_s3 = true` in samconfig.toml, or the ' +
      '`s3Bucket` or `resolveS3` option',
  );
}

/**
 * Uploads the template and returns its URL for CreateChangeSet.
 * NOTE: the URL uses the `amazonaws.com` domain, so partitions with another
 * domain (China) are not supported.
 */
async function uploadTemplate(
  body: string,
  location: ArtifactLocation,
  clients: AwsClients,
): Promise<string> {
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = joinKey(location.prefix, `${sha256}.template`);
  logger.info(
    `template is ${Buffer.byteLength(body)} bytes, over the ` +
      `${MAX_TEMPLATE_BODY_BYTES}-byte TemplateBody limit; uploading it to ` +
      `s3://${location.bucket}/${key}`,
  );
  await clients.s3.send(
    new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body }),
  );
  return `https://s3.${clients.region}.amazonaws.com/${location.bucket}/${key}`;
}

/** Drops, with a warning, overrides of parameters the template lacks. */
function knownOverrides(
  parameters: ReturnType<typeof templateParameters>,
  overrides: Record<string, string>,
): Record<string, string> {
  const unknown = unknownOverrides(parameters, overrides);
  if (unknown.length > 0) {
    logger.warn(
      `ignoring parameter overrides not declared in the template: ` +
        unknown.join(', '),
    );
  }
  return Object.fromEntries(
    Object.entries(overrides).filter(([name]) => !unknown.includes(name)),
  );
}

function sentParameters(
  parameters: ReturnType<typeof templateParameters>,
  overrides: Record<string, string>,
  stack: Stack | undefined,
): Parameter[] {
  const previousKeys =
    stack?.StackStatus === 'REVIEW_IN_PROGRESS'
      ? []
      : (stack?.Parameters ?? []).map((item) => String(item.ParameterKey));
  return changeSetParameters(parameters, overrides, previousKeys);
}

function newResult(
  settings: DeploySettings,
  region: string,
  stack: Stack | undefined,
  changeSetType: string,
  resolved: Record<string, ResolvedParameter>,
): DeployResult {
  return {
    stackName: settings.stackName,
    region,
    status: String(stack?.StackStatus ?? 'NOT_FOUND'),
    success: false,
    changeSetType,
    noChanges: false,
    executed: false,
    changes: [],
    failedResources: [],
    resolvedParameters: resolved,
    outputs: stackOutputs(stack),
  };
}

function executionFailure(stackName: string, error: unknown): FailedResource {
  return {
    logicalId: stackName,
    resourceType: 'AWS::CloudFormation::Stack',
    status: 'EXECUTE_FAILED',
    reason: describeFailure(error),
  };
}
