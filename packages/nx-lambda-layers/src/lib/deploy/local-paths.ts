import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { type ParsedTemplate, parseTemplate, resourcesOf } from '../template';

/**
 * Kind of artifact a local path names: a folder or zip file sent as a zip
 * (`zip`), a file sent as is (`file`), or a template packaged in turn
 * (`template`).
 */
export type ArtifactKind = 'zip' | 'file' | 'template';

/**
 * Form of the S3 location that replaces the path: `{ S3Bucket, S3Key }`
 * (`object`), `s3://bucket/key` (`uri`), `{ Bucket, Key }` (`bucketKey`)
 * or an HTTPS URL (`url`).
 */
export type ArtifactForm = 'object' | 'uri' | 'bucketKey' | 'url';

/** A resource property that may name a local path, and how S3 replaces it. */
interface ArtifactProperty {
  resourceType: string;
  property: string;
  kind: ArtifactKind;
  form: ArtifactForm;
}

/**
 * Properties that `aws cloudformation package` and `sam deploy` upload too,
 * in the same forms.
 */
const ARTIFACT_PROPERTIES: ArtifactProperty[] = [
  ['AWS::Lambda::Function', 'Code', 'zip', 'object'],
  ['AWS::Lambda::LayerVersion', 'Content', 'zip', 'object'],
  ['AWS::Serverless::Function', 'CodeUri', 'zip', 'uri'],
  ['AWS::Serverless::LayerVersion', 'ContentUri', 'zip', 'uri'],
  ['AWS::Serverless::Api', 'DefinitionUri', 'file', 'uri'],
  ['AWS::Serverless::HttpApi', 'DefinitionUri', 'file', 'uri'],
  ['AWS::Serverless::StateMachine', 'DefinitionUri', 'file', 'uri'],
  ['AWS::ApiGateway::RestApi', 'BodyS3Location', 'file', 'bucketKey'],
  [
    'AWS::StepFunctions::StateMachine',
    'DefinitionS3Location',
    'file',
    'bucketKey',
  ],
  ['AWS::CloudFormation::Stack', 'TemplateURL', 'template', 'url'],
  ['AWS::Serverless::Application', 'Location', 'template', 'url'],
].map(([resourceType, property, kind, form]) => ({
  resourceType,
  property,
  kind: kind as ArtifactKind,
  form: form as ArtifactForm,
}));

/** Returns the property of a resource type that may name a local path. */
export function artifactPropertyOf(resourceType: unknown): string | undefined {
  return ARTIFACT_PROPERTIES.find(
    (entry) => entry.resourceType === resourceType,
  )?.property;
}

/** A value that already names a remote object, so it is not packaged. */
export const REMOTE_LOCATION = /^(s3|https?):\/\//i;

/** A resource property that names a local folder or zip file. */
export interface LocalCode {
  logicalId: string;
  property: string;
  kind: ArtifactKind;
  form: ArtifactForm;
  /** The path as written in the template. */
  path: string;
  /** Absolute path of the folder or zip file. */
  absolutePath: string;
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
    const match = ARTIFACT_PROPERTIES.find(
      (entry) => entry.resourceType === resource.Type,
    );
    const path = match ? resource.Properties?.[match.property] : undefined;
    if (!match || typeof path !== 'string' || REMOTE_LOCATION.test(path)) {
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
      kind: match.kind,
      form: match.form,
      path,
      absolutePath,
    });
  }
  return found;
}

/**
 * Parses the local nested templates of `template` (`TemplateURL` of
 * `AWS::CloudFormation::Stack`, `Location` of `AWS::Serverless::Application`)
 * at every depth, with the same path checks as `findLocalCode`. A folder or
 * a template that includes itself is skipped here and reported when it is
 * packaged.
 */
export function findNestedTemplates(
  template: ParsedTemplate,
  templateDir: string,
  projectDir: string,
  ancestors: string[] = [],
): ParsedTemplate[] {
  const found: ParsedTemplate[] = [];
  for (const entry of findLocalCode(template, templateDir, projectDir)) {
    const path = entry.absolutePath;
    const usable = !ancestors.includes(path) && statSync(path).isFile();
    if (entry.kind !== 'template' || !usable) continue;

    const source = relative(projectDir, path);
    const child = parseTemplate(readFileSync(path, 'utf8'), source);
    found.push(
      child,
      ...findNestedTemplates(child, dirname(path), projectDir, [
        ...ancestors,
        path,
      ]),
    );
  }
  return found;
}

function isInside(folder: string, path: string): boolean {
  const relativePath = relative(resolve(folder), path);
  const leaves = relativePath === '..' || relativePath.startsWith(`..${sep}`);
  return !leaves && !isAbsolute(relativePath);
}
