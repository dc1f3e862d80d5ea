import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';

/** Name of the bucket that `resolveS3` uses in one account and region. */
export function artifactBucketName(accountId: string, region: string): string {
  return `nx-lambda-layers-artifacts-${accountId}-${region}`;
}

/**
 * Returns the artifact bucket of the caller's account and region, creating
 * it when it does not exist.
 *
 * NOTE: SAM CLI keeps its `resolve_s3` bucket in a managed CloudFormation
 * stack with encryption and a bucket policy. This bucket is created
 * directly, with S3's defaults (private, SSE-S3) and no lifecycle rule, so
 * old code zips stay until someone deletes them.
 */
export async function ensureArtifactBucket(
  s3: S3Client,
  sts: STSClient,
  region: string,
): Promise<string> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account) {
    throw new Error('STS GetCallerIdentity returned no account id');
  }
  const bucket = artifactBucketName(identity.Account, region);
  if (await bucketExists(s3, bucket)) {
    return bucket;
  }

  logger.info(`creating artifact bucket ${bucket}`);
  // us-east-1 rejects a LocationConstraint naming itself.
  const configuration =
    region === 'us-east-1'
      ? undefined
      : { LocationConstraint: region as BucketLocationConstraint };
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: configuration,
    }),
  );
  return bucket;
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = isAwsServiceError(error)
      ? error.$metadata.httpStatusCode
      : undefined;
    if (status === 404) {
      return false;
    }
    if (status === 403) {
      throw new Error(
        `artifact bucket ${bucket} exists but is not accessible with these ` +
          'credentials; set `s3_bucket` in samconfig.toml or the `s3Bucket` option',
      );
    }
    throw error;
  }
}
