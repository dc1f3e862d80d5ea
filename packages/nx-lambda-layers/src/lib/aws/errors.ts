/** The fields every AWS SDK v3 service error carries. */
interface AwsServiceError extends Error {
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string };
}

/** True for an error returned by an AWS service through SDK v3. */
export function isAwsServiceError(error: unknown): error is AwsServiceError {
  return (
    error instanceof Error &&
    '$metadata' in error &&
    '$fault' in error &&
    typeof error.$metadata === 'object'
  );
}

/**
 * Formats an error for the log of a failed executor run. A service error
 * gets its AWS name, message and request id. A connection that failed or
 * timed out gets the endpoint and what to check, and missing credentials get
 * the settings that supply them. Any other error gets its message.
 * Programming errors (TypeError, ReferenceError, RangeError) are rethrown so
 * their stack trace stays visible.
 */
export function describeFailure(
  error: unknown,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (
    error instanceof TypeError ||
    error instanceof ReferenceError ||
    error instanceof RangeError
  ) {
    throw error;
  }
  if (isNetworkError(error)) {
    return describeNetworkError(error, env.AWS_ENDPOINT_URL);
  }
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return (
      `AWS credentials not found (${error.message}). Set the \`profile\` ` +
      'option or AWS_PROFILE to a profile with credentials, or set ' +
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment'
    );
  }
  if (isAwsServiceError(error)) {
    const { requestId, httpStatusCode } = error.$metadata;
    const details = [
      httpStatusCode ? `HTTP ${httpStatusCode}` : undefined,
      requestId ? `request id ${requestId}` : undefined,
    ].filter(Boolean);
    const suffix = details.length ? ` (${details.join(', ')})` : '';
    return `AWS ${error.name}: ${error.message}${suffix}`;
  }
  const body = unparsedResponseBody(error);
  if (body !== undefined) {
    return `AWS returned a response the SDK could not parse: ${body}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Maximum length of a response body quoted in a message, in characters. */
const MAX_BODY_CHARS = 1_000;

/**
 * Returns the raw body of a response the SDK failed to deserialize (it keeps
 * it in `$responseBodyText`). The local emulator sends such bodies, for
 * example a JSON error to an XML protocol call.
 */
function unparsedResponseBody(error: unknown): string | undefined {
  const text = (error as { $responseBodyText?: unknown } | null)
    ?.$responseBodyText;
  if (typeof text !== 'string' || text === '') {
    return undefined;
  }
  return text.length > MAX_BODY_CHARS
    ? `${text.slice(0, MAX_BODY_CHARS)}...`
    : text;
}

/** Error codes of Node.js sockets and DNS lookups that mean "unreachable". */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * True for a connection that failed or timed out before AWS returned a
 * response (the SDK's timeouts throw an error named `TimeoutError`). The
 * code is also looked for in the message, because the SDK wraps a socket
 * error from another realm (a Jest sandbox) in a new Error without `code`.
 */
function isNetworkError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const codes = [code, ...(error.message.match(/\bE[A-Z_]+\b/g) ?? [])];
  return (
    error.name === 'TimeoutError' ||
    codes.some(
      (each) => typeof each === 'string' && NETWORK_ERROR_CODES.has(each),
    )
  );
}

function describeNetworkError(error: Error, endpoint?: string): string {
  if (endpoint) {
    return (
      `could not reach the AWS endpoint ${endpoint} (${error.message}); ` +
      'check that it is running and that AWS_ENDPOINT_URL names its host ' +
      'and port'
    );
  }
  return (
    `could not reach AWS (${error.message}); check the network ` +
    'connection, proxy settings and the region'
  );
}
