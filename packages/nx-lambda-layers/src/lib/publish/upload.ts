import {
  GetBucketLocationCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';
import { joinKey, objectExists } from '../deploy/packaging';
import { sendWrite, type WriteGate } from './calls';

/** Part size of multipart uploads; S3's minimum is 5 MiB. */
export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

/** Logged progress steps of a multipart upload, in percent. */
const PROGRESS_STEP_PERCENT = 10;

/** S3 location of a layer zip. */
export interface ZipLocation {
  bucket: string;
  key: string;
}

/** Bucket missing, in another region or not accessible. */
export class BucketError extends Error {
  override name = 'BucketError';
}

/**
 * Returns the object key of a zip: the prefix, the layer name and the
 * zip's SHA-256, so an unchanged zip has the same key.
 */
export function zipObjectKey(
  prefix: string,
  layerName: string,
  sha256: string,
): string {
  return joinKey(prefix, `${layerName}-${sha256}.zip`);
}

/**
 * Checks that the bucket exists and is in `region`, because Lambda reads
 * layer content only from a bucket in the layer's own region.
 */
export async function checkBucket(
  s3: S3Client,
  bucket: string,
  region: string,
): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    throw bucketFailure(error, bucket, region);
  }
  const location = await s3.send(
    new GetBucketLocationCommand({ Bucket: bucket }),
  );
  const bucketRegion = normalizeLocation(location.LocationConstraint);
  if (bucketRegion !== region) {
    throw otherRegion(bucket, bucketRegion, region);
  }
}

function bucketFailure(error: unknown, bucket: string, region: string) {
  if (!isAwsServiceError(error)) return error;
  const status = error.$metadata.httpStatusCode;
  if (status === 404) {
    return new BucketError(
      `S3 bucket ${bucket} not found; create it in ${region} or fix ` +
        '`publish.s3Bucket` in layer.json or the `s3Bucket` option',
    );
  }
  if (status === 301) {
    // S3 rejects a request sent to the wrong regional endpoint with 301 and
    // names the bucket's region in a header.
    const headers = (
      error as { $response?: { headers?: Record<string, string> } }
    ).$response?.headers;
    return otherRegion(bucket, headers?.['x-amz-bucket-region'], region);
  }
  return error;
}

function otherRegion(
  bucket: string,
  bucketRegion: string | undefined,
  region: string,
): BucketError {
  return new BucketError(
    `S3 bucket ${bucket} is in ${bucketRegion ?? 'another region'}, not ` +
      `${region}; Lambda reads layer zips only from a bucket in the same ` +
      'region. Use a bucket name with {region} or one bucket per region',
  );
}

/** GetBucketLocation returns no constraint for us-east-1 and `EU` for eu-west-1. */
function normalizeLocation(constraint: string | undefined): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

/**
 * Uploads the zip unless HeadObject finds the key, in parts with progress
 * in the log when it is larger than one part. Returns whether it uploaded.
 */
export async function uploadZip(
  s3: S3Client,
  location: ZipLocation,
  zip: Buffer,
  gate: WriteGate,
  partSizeBytes = DEFAULT_PART_SIZE_BYTES,
): Promise<boolean> {
  const url = `s3://${location.bucket}/${location.key}`;
  if (await objectExists(s3, location.bucket, location.key)) {
    logger.info(`zip already at ${url} (same SHA-256), not uploading`);
    return false;
  }
  if (gate.dryRun || zip.length <= partSizeBytes) {
    logger.info(`uploading ${zip.length} bytes to ${url}`);
    const command = new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Body: zip,
    });
    await sendWrite(s3, command, gate);
    return !gate.dryRun;
  }
  await uploadInParts(s3, location, zip, partSizeBytes);
  return true;
}

async function uploadInParts(
  s3: S3Client,
  location: ZipLocation,
  zip: Buffer,
  partSizeBytes: number,
): Promise<void> {
  const parts = Math.ceil(zip.length / partSizeBytes);
  logger.info(
    `uploading ${zip.length} bytes to s3://${location.bucket}/` +
      `${location.key} in ${parts} parts`,
  );
  const upload = new Upload({
    client: s3,
    params: { Bucket: location.bucket, Key: location.key, Body: zip },
    partSize: partSizeBytes,
    queueSize: 4,
  });
  let nextStep = PROGRESS_STEP_PERCENT;
  upload.on('httpUploadProgress', (progress) => {
    const percent = Math.floor(((progress.loaded ?? 0) * 100) / zip.length);
    if (percent < nextStep) return;
    logger.info(
      `uploaded ${progress.loaded} of ${zip.length} bytes (${percent}%)`,
    );
    nextStep =
      percent - (percent % PROGRESS_STEP_PERCENT) + PROGRESS_STEP_PERCENT;
  });
  await upload.done();
}
