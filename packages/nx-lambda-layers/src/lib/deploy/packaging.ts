import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';
import { type ParsedTemplate, resourcesOf } from '../template';
import { zipDirectory } from '../zip';
import { setResourceProperty } from './template-body';

/** A resource property that may name local code, and how S3 replaces it. */
interface CodeProperty {
  resourceType: string;
  property: string;
  /** `object` sends `{ S3Bucket, S3Key }`, `uri` sends `s3://bucket/key`. */
  form: 'object' | 'uri';
}

/** Properties that `aws cloudformation package` and `sam deploy` upload too. */
const CODE_PROPERTIES: CodeProperty[] = [
  { resourceType: 'AWS::Lambda::Function', property: 'Code', form: 'object' },
  {
    resourceType: 'AWS::Lambda::LayerVersion',
    property: 'Content',
    form: 'object',
  },
  {
    resourceType: 'AWS::Serverless::Function',
    property: 'CodeUri',
    form: 'uri',
  },
  {
    resourceType: 'AWS::Serverless::LayerVersion',
    property: 'ContentUri',
    form: 'uri',
  },
];

/** A resource property that names a local folder or zip file. */
export interface LocalCode {
  logicalId: string;
  property: string;
  form: 'object' | 'uri';
  /** The path as written in the template. */
  path: string;
  /** Absolute path of the folder or zip file. */
  absolutePath: string;
}

/** S3 bucket and key prefix of the packaged code. */
export interface ArtifactLocation {
  bucket: string;
  /** Key prefix without a trailing slash, or empty. */
  prefix: string;
}

/**
 * Lists the resources whose code is a local path, resolved against the
 * template's folder. Throws, naming the logical id and path, when a path
 * leaves `projectDir` or does not exist.
 */
export function findLocalCode(
  template: ParsedTemplate,
  templateDir: string,
  projectDir: string,
): LocalCode[] {
  const found: LocalCode[] = [];
  for (const [logicalId, resource] of resourcesOf(template.value)) {
    const match = CODE_PROPERTIES.find(
      (entry) => entry.resourceType === resource.Type,
    );
    const path = match ? resource.Properties?.[match.property] : undefined;
    if (!match || typeof path !== 'string' || path.startsWith('s3://')) {
      continue;
    }

    const quoted = JSON.stringify(path);
    const where = `${template.source}: ${logicalId}.${match.property} ${quoted}`;
    const absolutePath = resolve(templateDir, path);
    if (!isInside(projectDir, absolutePath)) {
      throw new Error(
        `${where} is outside the project folder ${projectDir}; ` +
          'move the code into the project or upload it and use an S3 location',
      );
    }
    if (!existsSync(absolutePath)) {
      throw new Error(`${where} not found at ${absolutePath}; fix the path`);
    }
    found.push({
      logicalId,
      property: match.property,
      form: match.form,
      path,
      absolutePath,
    });
  }
  return found;
}

/**
 * Zips each local folder (a `.zip` file is sent as is), uploads it to
 * `<prefix>/<sha256>.zip` unless HeadObject finds that key, and points the
 * template to be sent at the S3 object. Same code, same key, so an
 * unchanged function is neither uploaded again nor updated.
 */
export async function packageLocalCode(
  template: ParsedTemplate,
  code: LocalCode[],
  location: ArtifactLocation,
  s3: S3Client,
): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'nx-lambda-layers-package-'));
  try {
    for (const entry of code) {
      const { zipFile, sha256 } = await zipCode(entry, workDir);
      const key = joinKey(location.prefix, `${sha256}.zip`);
      await uploadUnlessPresent(
        s3,
        location.bucket,
        key,
        zipFile,
        entry.logicalId,
      );
      const value =
        entry.form === 'uri'
          ? `s3://${location.bucket}/${key}`
          : { S3Bucket: location.bucket, S3Key: key };
      setResourceProperty(template, entry.logicalId, entry.property, value);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
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
    const bytes = readFileSync(entry.absolutePath);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { zipFile: entry.absolutePath, sha256 };
  }

  const zipFile = join(workDir, `${entry.logicalId}.zip`);
  logger.info(`zipping ${entry.path} for ${entry.logicalId}`);
  const result = await zipDirectory(entry.absolutePath, zipFile, {
    exclude: isExcludedFromCode,
  });
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
  zipFile: string,
  logicalId: string,
): Promise<void> {
  if (await objectExists(s3, bucket, key)) {
    logger.info(
      `code of ${logicalId} already at s3://${bucket}/${key}, not uploading`,
    );
    return;
  }
  logger.info(`uploading code of ${logicalId} to s3://${bucket}/${key}`);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: readFileSync(zipFile),
    }),
  );
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

function isInside(folder: string, path: string): boolean {
  const relativePath = relative(resolve(folder), path);
  const leaves = relativePath === '..' || relativePath.startsWith(`..${sep}`);
  return !leaves && !isAbsolute(relativePath);
}
