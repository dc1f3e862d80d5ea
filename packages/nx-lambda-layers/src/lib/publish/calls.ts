import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { logger } from '@nx/devkit';
import { describeFailure, isAwsServiceError } from '../aws/errors';

/** Whether write calls are sent or only logged, and where they go. */
export interface WriteGate {
  dryRun: boolean;
  region: string;
}

/** An SDK v3 client as far as sending one command goes. */
interface CommandSender<Output> {
  send(command: never): Promise<Output>;
}

/**
 * Sends a command that changes AWS state. In a dry run, logs the call and
 * its input instead and returns undefined.
 */
export async function sendWrite<Output>(
  client: object,
  command: { input: object },
  gate: WriteGate,
): Promise<Output | undefined> {
  if (gate.dryRun) {
    logger.info(
      `dry run: would call ${operationName(command)} in ${gate.region} ` +
        describeInput(command.input),
    );
    return undefined;
  }
  return (client as CommandSender<Output>).send(command as never);
}

/** `PublishLayerVersionCommand` -> `PublishLayerVersion`. */
export function operationName(command: object): string {
  return command.constructor.name.replace(/Command$/, '');
}

/** JSON of a command input with binary values shown as their size. */
export function describeInput(input: object): string {
  return JSON.stringify(input, (_key, value: unknown) => {
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
      return `<${value.length} bytes>`;
    }
    if (isBufferJson(value)) return `<${value.data.length} bytes>`;
    return value;
  });
}

/** `JSON.stringify` turns a Buffer into `{type, data}` before the replacer is called. */
function isBufferJson(value: unknown): value is { data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  );
}

/** Property set on an SDK error with the API action that failed. */
const ACTION_KEY = 'nxLambdaLayersAction';

/**
 * Adds a middleware to each client that records on a failed call's error
 * the API action, such as `lambda:PublishLayerVersion`, so messages can
 * name it.
 */
export function tagFailedActions(clients: object[]): void {
  for (const client of clients) {
    const stack = (client as { middlewareStack?: MiddlewareStack })
      .middlewareStack;
    stack?.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (error instanceof Error && !(ACTION_KEY in error)) {
            Object.assign(error, { [ACTION_KEY]: actionName(context) });
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'nxLambdaLayersFailedAction' },
    );
  }
}

type Handler = (args: unknown) => Promise<unknown>;
interface MiddlewareStack {
  add(
    middleware: (next: Handler, context: HandlerContext) => Handler,
    options: { step: 'initialize'; name: string },
  ): void;
}
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}

/** `LambdaClient` + `PublishLayerVersionCommand` -> `lambda:PublishLayerVersion`. */
function actionName(context: HandlerContext): string {
  const service = String(context.clientName ?? 'aws')
    .replace(/Client$/, '')
    .toLowerCase();
  const operation = String(context.commandName ?? 'unknown').replace(
    /Command$/,
    '',
  );
  return `${service}:${operation}`;
}

/** Returns the API action recorded by `tagFailedActions`, if any. */
export function failedAction(error: unknown): string | undefined {
  const value = (error as Record<string, unknown> | null)?.[ACTION_KEY];
  return typeof value === 'string' ? value : undefined;
}

/** True for AWS's access denied errors, whatever the service names them. */
export function isAccessDenied(error: unknown): boolean {
  if (!isAwsServiceError(error)) return false;
  return (
    /AccessDenied|UnauthorizedOperation|AuthorizationError/.test(error.name) ||
    error.$metadata.httpStatusCode === 403
  );
}

/**
 * Describes a failure for the summary: missing credentials with the ways to
 * set them, access denied with the API action and the caller's identity
 * from STS, any other AWS error with its request id.
 */
export async function explainFailure(
  error: unknown,
  sts: STSClient | undefined,
  profile: string | undefined,
): Promise<string> {
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return missingCredentialsMessage(profile, error.message);
  }
  const action = failedAction(error);
  const text = describeFailure(error);
  if (!isAccessDenied(error)) {
    const failure = action ? `${action} failed: ${text}` : text;
    return `${failure}${retryHint(error)}`;
  }
  const identity = sts ? await callerArn(sts) : 'unknown identity';
  return (
    `access denied to ${action ?? 'an AWS API action'} for ${identity}: ` +
    `${text}. Grant that action to this identity, or set the \`profile\` ` +
    'option or AWS_PROFILE to one that has it'
  );
}

/**
 * Explains a throttling or server error that the SDK's retries (adaptive
 * mode, set in createAwsClients) did not get past.
 */
function retryHint(error: unknown): string {
  if (!isAwsServiceError(error)) return '';
  const throttled =
    /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(error.name) ||
    error.$metadata.httpStatusCode === 429;
  if (!throttled && error.$fault !== 'server') return '';
  const attempts = (error.$metadata as { attempts?: number }).attempts ?? 1;
  return (
    `. The request failed ${attempts} time(s) with adaptive retry; run ` +
    'the target again later'
  );
}

function missingCredentialsMessage(
  profile: string | undefined,
  detail: string,
): string {
  const named = profile ?? process.env.AWS_PROFILE;
  const where = named ? `the profile ${named} has none` : 'none were found';
  return (
    `AWS credentials not found (${where}: ${detail}). Set the \`profile\` ` +
    'option or AWS_PROFILE to a profile with credentials, or set ' +
    'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
  );
}

async function callerArn(sts: STSClient): Promise<string> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return String(identity.Arn);
  } catch (error) {
    return `an identity STS did not return (${describeFailure(error)})`;
  }
}
