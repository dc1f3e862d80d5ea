import type { LayerConfig, LayerPublishConfig } from '../layer-config';
import type { LayerManifest } from '../manifest';

/** Lambda's limit on a zip sent in the PublishLayerVersion request: 50 MB. */
export const MAX_DIRECT_UPLOAD_BYTES = 50 * 1024 * 1024;

/** Lambda's limit on a layer version's `Description`, in characters. */
export const MAX_DESCRIPTION_LENGTH = 256;

/** Options of the publish-layer executor that override `layer.json`. */
export interface PublishOptions extends LayerPublishConfig {
  region?: string;
  profile?: string;
  /** Key of `ssmParameters` that picks the SSM parameter name. */
  environment?: string;
  /** SSM parameter name; overrides `ssmParameter` and `ssmParameters`. */
  ssmParameter?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** Publish settings after merging `layer.json` and the options. */
export interface PublishSettings {
  mode: 'direct' | 'cloudformation';
  /** Regions in order; `[undefined]` means the SDK's region resolution. */
  regions: (string | undefined)[];
  profile?: string;
  /** Bucket name before `{accountId}` and `{region}` are replaced. */
  s3Bucket?: string;
  s3Prefix: string;
  ssmParameter: string;
  shareWithAccounts: string[];
  shareWithOrganization?: string;
  keepVersions?: number;
  stackTemplate: string;
  stackName: string;
  dryRun: boolean;
  force: boolean;
}

/** A setting that cannot work, found before any AWS call. */
export class PublishSettingsError extends Error {
  override name = 'PublishSettingsError';
}

/**
 * Merges `layer.json` and the executor options (options win) and checks
 * the values that would otherwise fail halfway through a run.
 */
export function mergePublishSettings(
  config: LayerConfig,
  options: PublishOptions,
): PublishSettings {
  const file = config.publish ?? {};
  const regions = options.region
    ? [options.region]
    : (options.regions ?? file.regions);
  const keepVersions = options.keepVersions ?? file.keepVersions;
  if (
    keepVersions !== undefined &&
    (!Number.isInteger(keepVersions) || keepVersions < 1)
  ) {
    throw new PublishSettingsError(
      `invalid keepVersions ${keepVersions}; set it to a whole number of ` +
        'at least 1, or remove it to keep every version',
    );
  }

  return {
    mode: options.mode ?? file.mode ?? 'direct',
    regions: regions?.length ? [...regions] : [undefined],
    profile: options.profile,
    s3Bucket: options.s3Bucket ?? file.s3Bucket,
    s3Prefix: options.s3Prefix ?? file.s3Prefix ?? '',
    ssmParameter: ssmParameterName(config, options),
    shareWithAccounts:
      options.shareWithAccounts ?? file.shareWithAccounts ?? [],
    shareWithOrganization:
      options.shareWithOrganization ?? file.shareWithOrganization,
    keepVersions,
    stackTemplate:
      options.stackTemplate ?? file.stackTemplate ?? 'layer-stack.yaml',
    stackName:
      options.stackName ?? file.stackName ?? `${config.layerName}-layer`,
    dryRun: options.dryRun ?? false,
    force: options.force ?? false,
  };
}

/**
 * Picks the SSM parameter name: the `ssmParameter` option, else the entry of
 * `publish.ssmParameters` for the `environment` option, else `ssmParameter`.
 */
export function ssmParameterName(
  config: LayerConfig,
  options: Pick<PublishOptions, 'ssmParameter' | 'environment'>,
): string {
  return checkSsmParameterName(pickSsmParameterName(config, options));
}

/**
 * Characters SSM allows in a parameter name. A name with a `/` must start
 * with one (source: the `Name` field of PutParameter in the SSM API
 * reference). The local emulator accepts any name, so
 * the check runs here, before any AWS call.
 */
const SSM_PARAMETER_NAME = /^(\/[a-zA-Z0-9_.\-/]+|[a-zA-Z0-9_.\-]+)$/;

/** Returns `name`, or throws when SSM would reject it. */
export function checkSsmParameterName(name: string): string {
  if (!SSM_PARAMETER_NAME.test(name)) {
    throw new PublishSettingsError(
      `invalid SSM parameter name ${JSON.stringify(name)}; use letters, ` +
        'digits and . - _ /, starting with / when it has one, such as ' +
        '"/lambda-layers/sosw/arn" (set in layer.json or the ' +
        '`ssmParameter` option)',
    );
  }
  return name;
}

function pickSsmParameterName(
  config: LayerConfig,
  options: Pick<PublishOptions, 'ssmParameter' | 'environment'>,
): string {
  if (options.ssmParameter) return options.ssmParameter;
  if (!options.environment) return config.ssmParameter;

  const byEnvironment = config.publish?.ssmParameters ?? {};
  const name = byEnvironment[options.environment];
  if (!name) {
    const known = Object.keys(byEnvironment).join(', ') || 'none';
    throw new PublishSettingsError(
      `no SSM parameter for environment ${options.environment} ` +
        `(environments in layer.json publish.ssmParameters: ${known}); ` +
        'add it there or set the `ssmParameter` option',
    );
  }
  return name;
}

/** Replaces `{accountId}` and `{region}` in a bucket name. */
export function expandBucketName(
  template: string,
  accountId: string,
  region: string,
): string {
  return template
    .replaceAll('{accountId}', accountId)
    .replaceAll('{region}', region);
}

/**
 * Throws when the zip is over Lambda's direct upload limit and no bucket is
 * set; called before any AWS call.
 */
export function checkDirectUploadSize(
  zipBytes: number,
  settings: Pick<PublishSettings, 's3Bucket' | 'mode'>,
  zipPath: string,
): void {
  if (settings.s3Bucket || settings.mode === 'cloudformation') return;
  if (zipBytes <= MAX_DIRECT_UPLOAD_BYTES) return;
  throw new PublishSettingsError(
    `${zipPath} is ${zipBytes} bytes, over Lambda's limit of ` +
      `${MAX_DIRECT_UPLOAD_BYTES} bytes for a zip sent in the request; set ` +
      '`publish.s3Bucket` in layer.json or the `s3Bucket` option so the zip ' +
      'goes through S3',
  );
}

/**
 * Builds the version description: the configured text, the zip's SHA-256
 * and the packages with their versions, cut to Lambda's 256 characters.
 */
export function versionDescription(
  description: string | undefined,
  manifest: Pick<LayerManifest, 'sha256' | 'packages'>,
): string {
  const packages = manifest.packages
    .map((item) => `${item.name}==${item.version}`)
    .join(' ');
  const parts = [description, `sha256:${manifest.sha256}`, packages].filter(
    (part) => part,
  );
  const text = parts.join(' | ');
  if (text.length <= MAX_DESCRIPTION_LENGTH) return text;
  return `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}
