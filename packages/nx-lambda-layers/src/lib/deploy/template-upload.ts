import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { logger } from '@nx/devkit';
import type { AwsClients } from '../aws/clients';
import { ensureArtifactBucket } from './artifact-bucket';
import type { DeployInput } from './deploy';
import {
  type ArtifactLocation,
  findLocalCode,
  joinKey,
  packageLocalCode,
  s3ObjectUrl,
} from './packaging';
import type { PollTiming } from './poll';
import type { DeploySettings } from './settings';
import { serializeTemplate } from './template-body';

/** CloudFormation's limit on `TemplateBody`; larger templates go through S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/**
 * Packages local code and returns the template to send: the body, or a URL
 * of a copy in S3 when the body exceeds CloudFormation's limit.
 */
export async function prepareTemplateBody(
  input: DeployInput,
  clients: AwsClients,
  timing: PollTiming,
): Promise<{ templateBody?: string; templateUrl?: string }> {
  const { template, templateDir, projectDir, settings } = input;
  const code = findLocalCode(template, templateDir, projectDir);
  const locate = () =>
    artifactLocation(settings, clients, template.source, timing);
  let location: ArtifactLocation | undefined;
  if (code.length > 0) {
    location = await locate();
    await packageLocalCode(template, code, location, clients.s3, {
      region: clients.region,
      projectDir,
    });
  }

  const body = serializeTemplate(template);
  if (Buffer.byteLength(body) <= MAX_TEMPLATE_BODY_BYTES) {
    return { templateBody: body };
  }
  location ??= await locate();
  return { templateUrl: await uploadTemplate(body, location, clients) };
}

/** Returns the S3 bucket and prefix for packaged code and large templates. */
async function artifactLocation(
  settings: DeploySettings,
  clients: AwsClients,
  source: string,
  timing: PollTiming,
): Promise<ArtifactLocation> {
  const prefix = settings.s3Prefix ?? '';
  if (settings.s3Bucket) {
    return { bucket: settings.s3Bucket, prefix };
  }
  if (settings.resolveS3) {
    const bucket = await ensureArtifactBucket(clients.cloudFormation, timing);
    return { bucket, prefix };
  }
  throw new Error(
    `${source} needs an S3 bucket for its local code or its size; set ` +
      '`s3_bucket` or `resolve_s3 = true` in samconfig.toml, or the ' +
      '`s3Bucket` or `resolveS3` option',
  );
}

/** Uploads the template and returns its URL for CreateChangeSet. */
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
  return s3ObjectUrl(location.bucket, key, clients.region);
}
