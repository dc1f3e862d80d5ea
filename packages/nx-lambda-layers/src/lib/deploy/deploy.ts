import type { Parameter, Stack } from '@aws-sdk/client-cloudformation';
import { DeleteChangeSetCommand } from '@aws-sdk/client-cloudformation';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import { describeFailure } from '../aws/errors';
import type { ParsedTemplate } from '../template';
import {
  type ChangeSetOutcome,
  changeSetTypeFor,
  createChangeSet,
  describeStack,
  executeChangeSet,
} from './change-set';
import {
  type ConfirmPrompt,
  confirmChangeSet,
  terminalPrompt,
} from './confirm';
import {
  type FailedResource,
  followStackEvents,
  isSuccessStatus,
  recentEventIds,
} from './events';
import {
  syncTemplateLayerVersions,
  type WorkspaceLayer,
} from './layer-versions';
import { logParameterChanges, ssmParameterChanges } from './parameter-changes';
import {
  changeSetParameters,
  resolveSsmParameters,
  type TemplateParameter,
  templateParameters,
  unknownOverrides,
} from './parameters';
import { CHANGE_SET_POLL, type PollTiming, STACK_POLL } from './poll';
import { findNestedTemplates } from './local-paths';
import { checkCapabilities, checkParameterValues } from './preflight';
import {
  type DeployResult,
  logChanges,
  logFailures,
  logStackSummary,
  stackOutputs,
  stackResolvedParameters,
} from './report';
import type { DeploySettings } from './settings';
import { checkStackDeployable, deleteEmptyStack } from './stack-state';
import {
  type ResolvedParameter,
  stampResolvedParameters,
} from './template-body';
import { prepareTemplateBody } from './template-upload';

export { MAX_TEMPLATE_BODY_BYTES } from './template-upload';

/** A template to deploy, with the folders its paths are checked against. */
export interface DeployInput {
  template: ParsedTemplate;
  /** Absolute folder of the template; code paths are relative to it. */
  templateDir: string;
  /** Absolute project folder; code paths must stay inside it. */
  projectDir: string;
  settings: DeploySettings;
  /** Absolute workspace root, where layer publish results are read. */
  workspaceRoot?: string;
  /** Layer projects of the workspace, for `syncLayerVersions`. */
  layers?: WorkspaceLayer[];
}

/** Poll timing of the change set and the stack operation. */
export interface DeployTiming {
  changeSet: PollTiming;
  stack: PollTiming;
}

const DEFAULT_TIMING: DeployTiming = {
  changeSet: CHANGE_SET_POLL,
  stack: STACK_POLL,
};

/**
 * Deploys the template with a change set. First it fills in the current
 * versions of workspace layers referenced by ARN (`syncLayerVersions`),
 * checks capabilities and parameter values, packages local code, and
 * stamps the resolved SSM-typed parameters in the template sent. Then it
 * creates the change set, shows it, prompts for approval when
 * `confirmChangeset` is set (through `prompt`), executes it and follows
 * the stack events.
 */
export async function deployStack(
  input: DeployInput,
  clients: AwsClients,
  timing: DeployTiming = DEFAULT_TIMING,
  prompt: ConfirmPrompt = terminalPrompt,
): Promise<DeployResult> {
  const { settings } = input;
  const { cloudFormation } = clients;
  const template = await syncLayerVersions(input, clients);
  const synced = { ...input, template };
  const parameters = templateParameters(template.value);
  const overrides = knownOverrides(parameters, settings.parameterOverrides);
  let stack = await describeStack(cloudFormation, settings.stackName);
  checkStack(synced, stack, parameters, overrides);

  const resolved = await resolveSsmParameters(
    parameters,
    overrides,
    clients.ssm,
  );
  if (Object.keys(resolved).length > 0) {
    stampResolvedParameters(template, resolved);
  }
  const body = await prepareTemplateBody(synced, clients, timing.stack);
  stack = await deleteEmptyStack(
    cloudFormation,
    stack,
    settings.replaceFailedStack,
    timing.stack,
  );

  const type = changeSetTypeFor(stack, settings.stackName);
  logger.info(`creating ${type} change set for stack ${settings.stackName}`);
  const request = {
    ...body,
    ...changeSetSettings(settings),
    type,
    parameters: sentParameters(parameters, overrides, stack),
  };
  const outcome = await createChangeSet(
    cloudFormation,
    request,
    timing.changeSet,
  );
  const result = newResult(settings, clients.region, stack, type, resolved);
  const context = { settings, stack, timing, prompt };
  return reviewAndExecute(clients, outcome, result, context);
}

/** Returns the template with workspace layer versions filled in. */
async function syncLayerVersions(
  input: DeployInput,
  clients: AwsClients,
): Promise<ParsedTemplate> {
  if (!input.layers?.length) {
    return input.template;
  }
  return syncTemplateLayerVersions(input.template, input.layers, clients, {
    mode: input.settings.syncLayerVersions,
    workspaceRoot: input.workspaceRoot ?? '',
  });
}

/** Throws before anything is uploaded when the deploy would be rejected. */
function checkStack(
  input: DeployInput,
  stack: Stack | undefined,
  parameters: TemplateParameter[],
  overrides: Record<string, string>,
): void {
  const { settings, template } = input;
  checkStackDeployable(stack, settings.stackName, settings.replaceFailedStack);
  const nested = findNestedTemplates(
    template,
    input.templateDir,
    input.projectDir,
  );
  checkCapabilities(
    [template, ...nested],
    settings.capabilities,
    settings.stackName,
  );
  checkParameterValues(
    parameters,
    overrides,
    previousParameterKeys(stack),
    settings.stackName,
  );
}

/**
 * Shows the change set and the SSM-typed parameters' values before and
 * after, prompts for approval when `confirmChangeset` is set, then
 * executes it unless
 * `noExecuteChangeset` is set.
 */
async function reviewAndExecute(
  clients: AwsClients,
  outcome: ChangeSetOutcome,
  result: DeployResult,
  context: ReviewContext,
): Promise<DeployResult> {
  const { settings, stack, timing, prompt } = context;
  if (outcome.kind === 'noChanges') {
    logger.info(`no changes to deploy for stack ${result.stackName}`);
    const values = stackResolvedParameters(stack, result.resolvedParameters);
    return {
      ...result,
      noChanges: true,
      success: true,
      resolvedParameters: values,
    };
  }

  const parameterChanges = ssmParameterChanges(
    stack,
    result.resolvedParameters,
  );
  logChanges(outcome.changes);
  logParameterChanges(parameterChanges);
  const reviewed = { ...result, changes: outcome.changes, parameterChanges };
  if (settings.noExecuteChangeset) {
    logNotExecuted(outcome.changeSetId);
    return { ...reviewed, success: true };
  }
  if (settings.confirmChangeset && !settings.autoApprove) {
    const { changeSetId } = outcome;
    if (!(await confirmChangeSet(result.stackName, changeSetId, prompt))) {
      return declined(clients, changeSetId, reviewed);
    }
  }
  return executeAndFollow(clients, outcome, reviewed, timing.stack);
}

interface ReviewContext {
  settings: DeploySettings;
  /** The stack before the change set; undefined for a new stack. */
  stack?: Stack;
  timing: DeployTiming;
  prompt: ConfirmPrompt;
}

/** Deletes the change set that the person at the terminal declined. */
async function declined(
  clients: AwsClients,
  changeSetId: string,
  result: DeployResult,
): Promise<DeployResult> {
  await clients.cloudFormation.send(
    new DeleteChangeSetCommand({ ChangeSetName: changeSetId }),
  );
  logger.warn(
    `change set for stack ${result.stackName} declined; deleted it and ` +
      'deployed nothing',
  );
  return { ...result, success: false };
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

/** Drops, with a warning, overrides of parameters the template lacks. */
function knownOverrides(
  parameters: TemplateParameter[],
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
  parameters: TemplateParameter[],
  overrides: Record<string, string>,
  stack: Stack | undefined,
): Parameter[] {
  return changeSetParameters(
    parameters,
    overrides,
    previousParameterKeys(stack),
  );
}

/**
 * Names of the parameters whose previous value the stack can reuse: none
 * for a stack that was never deployed or only ever rolled back.
 */
function previousParameterKeys(stack: Stack | undefined): string[] {
  const status = stack?.StackStatus;
  if (status === 'REVIEW_IN_PROGRESS' || status === 'ROLLBACK_COMPLETE') {
    return [];
  }
  return (stack?.Parameters ?? []).map((item) => String(item.ParameterKey));
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
    parameterChanges: [],
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
