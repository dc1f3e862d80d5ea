import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative } from 'node:path';
import {
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';
import { type ParsedTemplate, parseTemplate } from '../template';
import { zipDirectory } from '../zip';
import {
  type ArtifactForm,
  findLocalCode,
  type LocalCode,
} from './local-paths';
import { serializeTemplate, setResourceProperty } from './template-body';

export {
  type ArtifactForm,
  type ArtifactKind,
  findLocalCode,
  type LocalCode,
} from './local-paths';

/** S3 bucket and key prefix of the packaged code. */
export interface ArtifactLocation {
  bucket: string;
  /** Key prefix without a trailing slash, or empty. */
  prefix: string;
}

/** Region of nested template URLs and the folder their paths stay in. */
export interface NestedTemplateContext {
  region: string;
  /** Absolute project folder; paths in nested templates must stay inside. */
  projectDir: string;
  /** Absolute paths of the templates being packaged, outermost first. */
  ancestors?: string[];
}

/**
 * Uploads each local artifact unless HeadObject finds its key, and points
 * the template to be sent at the S3 object. Folders are zipped (a `.zip`
 * file is sent as is), files such as API definitions are sent as is, and
 * nested templates are packaged the same way first. Keys are
 * `<prefix>/<sha256>.<extension>`, so unchanged code is neither uploaded
 * again nor updated. `nested` is required when `code` has templates.
 */
export async function packageLocalCode(
  template: ParsedTemplate,
  code: LocalCode[],
  location: ArtifactLocation,
  s3: S3Client,
  nested?: NestedTemplateContext,
): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'nx-lambda-layers-package-'));
  try {
    for (const entry of code) {
      const artifact =
        entry.kind === 'template'
          ? await nestedTemplateArtifact(entry, location, s3, nested)
          : await artifactOf(entry, workDir);
      const key = joinKey(
        location.prefix,
        `${artifact.sha256}.${artifact.extension}`,
      );
      await uploadUnlessPresent(s3, location.bucket, key, artifact.body, entry);
      const value = replacementValue(entry.form, location.bucket, key, nested);
      setResourceProperty(template, entry.logicalId, entry.property, value);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Returns the HTTPS URL of an S3 object, as CloudFormation accepts it. */
export function s3ObjectUrl(
  bucket: string,
  key: string,
  region: string,
): string {
  // NOTE: the `amazonaws.com` domain leaves out partitions with another
  // domain (China).
  return `https://s3.${region}.amazonaws.com/${bucket}/${key}`;
}

function replacementValue(
  form: ArtifactForm,
  bucket: string,
  key: string,
  nested: NestedTemplateContext | undefined,
): unknown {
  switch (form) {
    case 'object':
      return { S3Bucket: bucket, S3Key: key };
    case 'bucketKey':
      return { Bucket: bucket, Key: key };
    case 'uri':
      return `s3://${bucket}/${key}`;
    case 'url':
      return s3ObjectUrl(bucket, key, requireNested(nested).region);
  }
}

function requireNested(
  nested: NestedTemplateContext | undefined,
): NestedTemplateContext {
  if (!nested) {
    throw new Error('packageLocalCode needs `nested` for nested templates');
  }
  return nested;
}

/** Bytes of one packaged artifact and the parts of its S3 key. */
interface Artifact {
  body: Buffer;
  sha256: string;
  extension: string;
}

/**
 * Packages a nested template: its own local paths, relative to its folder,
 * are uploaded first, then its text is returned for upload. Throws on a
 * template that includes itself.
 */
async function nestedTemplateArtifact(
  entry: LocalCode,
  location: ArtifactLocation,
  s3: S3Client,
  context: NestedTemplateContext | undefined,
): Promise<Artifact> {
  const nested = requireNested(context);
  const ancestors = nested.ancestors ?? [];
  if (ancestors.includes(entry.absolutePath)) {
    throw new Error(
      `${entry.logicalId}.${entry.property} ${JSON.stringify(entry.path)} ` +
        'includes a template that includes it; remove the cycle',
    );
  }
  requireFile(entry);
  const source = relative(nested.projectDir, entry.absolutePath);
  const child = parseTemplate(readFileSync(entry.absolutePath, 'utf8'), source);
  const code = findLocalCode(
    child,
    dirname(entry.absolutePath),
    nested.projectDir,
  );
  logger.info(`packaging nested template ${source} for ${entry.logicalId}`);
  await packageLocalCode(child, code, location, s3, {
    ...nested,
    ancestors: [...ancestors, entry.absolutePath],
  });
  const body = Buffer.from(serializeTemplate(child));
  return { body, sha256: sha256Of(body), extension: 'template' };
}

async function artifactOf(
  entry: LocalCode,
  workDir: string,
): Promise<Artifact> {
  if (entry.kind === 'file') {
    requireFile(entry);
    const body = readFileSync(entry.absolutePath);
    const extension = extname(entry.absolutePath).slice(1) || 'bin';
    return { body, sha256: sha256Of(body), extension };
  }
  const { zipFile, sha256 } = await zipCode(entry, workDir);
  return { body: readFileSync(zipFile), sha256, extension: 'zip' };
}

function requireFile(entry: LocalCode): void {
  if (!statSync(entry.absolutePath).isFile()) {
    throw new Error(
      `${entry.logicalId}.${entry.property} ${JSON.stringify(entry.path)} ` +
        'is a folder; point it at a file',
    );
  }
}

function sha256Of(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Leaves out Python bytecode and tests: any `__pycache__` or `tests`
 * folder and any `.pyc` file, at every depth.
 */
export function isExcludedFromCode(relativePath: string): boolean {
  const parts = relativePath.split('/');
  return (
    parts.includes('__pycache__') ||
    parts.includes('tests') ||
    relativePath.endsWith('.pyc')
  );
}

/** Joins an S3 key prefix and a name with one slash. */
export function joinKey(prefix: string, name: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/${name}` : name;
}

async function zipCode(
  entry: LocalCode,
  workDir: string,
): Promise<{ zipFile: string; sha256: string }> {
  if (statSync(entry.absolutePath).isFile()) {
    if (!entry.absolutePath.toLowerCase().endsWith('.zip')) {
      throw new Error(
        `${entry.logicalId}.${entry.property} ${JSON.stringify(entry.path)} ` +
          'is a file but not a .zip; point it at a folder or a zip file',
      );
    }
    const sha256 = sha256Of(readFileSync(entry.absolutePath));
    return { zipFile: entry.absolutePath, sha256 };
  }

  const zipFile = join(workDir, `${entry.logicalId}.zip`);
  logger.info(`zipping ${entry.path} for ${entry.logicalId}`);
  const result = await zipDirectory(entry.absolutePath, zipFile, {
    exclude: isExcludedFromCode,
  });
  // Lambda rejects an empty zip ("Uploaded file must be a non-empty zip"),
  // but only while the change set runs, and a failed create leaves the
  // stack in ROLLBACK_COMPLETE.
  if (result.fileCount === 0) {
    throw new Error(
      `${entry.logicalId}.${entry.property} ${JSON.stringify(entry.path)} ` +
        'contains no files to zip (__pycache__, tests and .pyc files are ' +
        'left out); point it at the folder of the function code',
    );
  }
  logger.info(
    `zipped ${entry.path}: ${result.fileCount} file(s), ` +
      `${result.zipBytes} bytes, sha256 ${result.sha256}`,
  );
  return { zipFile, sha256: result.sha256 };
}

async function uploadUnlessPresent(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  entry: LocalCode,
): Promise<void> {
  const what = `${entry.property} of ${entry.logicalId}`;
  if (await objectExists(s3, bucket, key)) {
    logger.info(`${what} already at s3://${bucket}/${key}, not uploading`);
    return;
  }
  logger.info(`uploading ${what} to s3://${bucket}/${key}`);
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    );
  } catch (error) {
    if (isAwsServiceError(error) && error.name === 'NoSuchBucket') {
      throw new Error(
        `S3 bucket ${bucket} not found; create it, fix the \`s3Bucket\` ` +
          'option or `s3_bucket` in samconfig.toml, or set `resolveS3` to ' +
          'use a managed bucket',
      );
    }
    throw error;
  }
}

/** True when HeadObject finds the key; false on 404, other errors rethrown. */
export async function objectExists(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isAwsServiceError(error) && error.$metadata.httpStatusCode === 404) {
      return false;
    }
    throw error;
  }
}
