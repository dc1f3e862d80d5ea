import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/** Region and profile of the AWS calls. */
export interface AwsClientOptions {
  /** AWS region. @default `AWS_REGION`, then the profile's `region` */
  region?: string;
  /**
   * Named profile of the shared config and credentials files.
   * @default `AWS_PROFILE`, then `default`
   */
  profile?: string;
  /**
   * Time a request may go without sending or receiving a byte before it
   * fails (and is retried), in ms. Without it a request to an endpoint that
   * accepts the connection and never responds waits forever.
   * @default 60000
   */
  socketTimeoutMs?: number;
}

/** Time allowed to open a TCP connection to an endpoint, in ms. */
const CONNECTION_TIMEOUT_MS = 10_000;
/**
 * Default of `socketTimeoutMs`.
 * NOTE: an estimate, long enough for the AWS calls made here, which return
 * in seconds. Each failed attempt is retried, so a silent endpoint fails
 * after about three times this (3 min 15 s measured with the default).
 */
const SOCKET_TIMEOUT_MS = 60_000;

/** SDK v3 clients for one region and profile. */
export interface AwsClients {
  region: string;
  lambda: LambdaClient;
  ssm: SSMClient;
  s3: S3Client;
  sts: STSClient;
  cloudFormation: CloudFormationClient;
}

/**
 * Creates the clients. Executors take one as a parameter, so tests can wrap
 * or replace it.
 */
export type AwsClientsFactory = (
  options: AwsClientOptions,
) => Promise<AwsClients>;

/**
 * Creates the clients with the SDK's standard credential chain (environment,
 * shared files with `profile`, SSO, web identity, container and instance
 * metadata) and adaptive retries. The SDK itself honours `AWS_ENDPOINT_URL`
 * and `AWS_ENDPOINT_URL_<SERVICE>` (checked with SDK 3.1178), so a local
 * emulator needs no setting here except S3's path-style addressing.
 */
export const createAwsClients: AwsClientsFactory = async (options) => {
  const shared = {
    profile: options.profile,
    retryMode: 'adaptive',
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      socketTimeout: options.socketTimeoutMs ?? SOCKET_TIMEOUT_MS,
    },
  };
  const region = await resolveRegion(options);
  const config = { ...shared, region };

  return {
    region,
    lambda: new LambdaClient(config),
    ssm: new SSMClient(config),
    s3: new S3Client({ ...config, forcePathStyle: usesCustomS3Endpoint() }),
    sts: new STSClient(config),
    cloudFormation: new CloudFormationClient(config),
  };
};

/**
 * Resolves the region the way the SDK does (option, `AWS_REGION`, the
 * profile's `region`) and rejects with the ways to set it when none is set.
 */
export async function resolveRegion(
  options: AwsClientOptions,
): Promise<string> {
  if (options.region) return options.region;

  const probe = new STSClient({ profile: options.profile });
  try {
    return await probe.config.region();
  } catch (error) {
    const profile = options.profile ?? process.env.AWS_PROFILE ?? 'default';
    throw new Error(
      `AWS region is not set (${(error as Error).message}). Set the ` +
        '`region` option, the AWS_REGION environment variable, or `region` ' +
        `in the profile ${profile} of the AWS config file (~/.aws/config)`,
    );
  } finally {
    probe.destroy();
  }
}

/**
 * True when S3 calls go to a custom endpoint. Such endpoints (moto,
 * LocalStack, MinIO) usually serve `http://host/bucket/key` only, so the
 * bucket cannot go in the host name.
 * NOTE: an `endpoint_url` in the shared config file is not seen here.
 */
function usesCustomS3Endpoint(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}
