import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeJsonError,
  findInvalidField,
  findUnknownKey,
} from './layer-config-checks';

/** File name of a layer project's configuration, at the project root. */
export const LAYER_CONFIG_FILE = 'layer.json';

/** Lambda runtimes a layer is published for when the configuration names none. */
export const DEFAULT_RUNTIMES = [
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
];

/**
 * Configuration of one layer project, read from `layer.json`. The graph,
 * the executors and the generators all read this one file, so a layer's
 * identity (name, SSM parameter, placeholder token, export name) is defined
 * once.
 */
export interface LayerConfig {
  /** Lambda layer name, the `sosw` in `arn:aws:lambda:...:layer:sosw:7`. */
  layerName: string;
  /** SSM Parameter Store name that contains the newest layer version ARN. */
  ssmParameter: string;
  /**
   * Text that templates write in place of the version number, as in
   * `arn:...:layer:sosw:SOSW_LAYER_PLACEHOLDER`.
   * @default upper-cased layer name + `_LAYER_PLACEHOLDER`
   */
  placeholder: string;
  /**
   * CloudFormation export name of the layer version ARN, for stacks that use
   * `!ImportValue`.
   * @default layer name + `-layer-arn`
   */
  exportName: string;
  /**
   * Requirements file, relative to the layer project root.
   * @default requirements.txt
   */
  requirements: string;
  /** Compatible runtimes. @default python3.10 to python3.13 */
  runtimes: string[];
  /** Compatible instruction set architectures. @default ['x86_64'] */
  architectures: string[];
  /** License of the layer's content, sent as `LicenseInfo`. */
  license?: string;
  /** Description sent with each new layer version. */
  description?: string;
  /** Options passed through to `pip install`. */
  pip?: LayerPipOptions;
  /**
   * Requirements installed without their dependencies (`pip install
   * --no-deps`), by distribution name, such as `["sosw", "bson"]`. Each must
   * also be listed in the requirements file.
   * @default []
   */
  noDependencies?: string[];
  /**
   * Requirement lines installed besides those of the requirements file, such
   * as `["requests==2.32.3"]`. With a non-empty list, a missing requirements
   * file at the default path is not an error. @default []
   */
  packages?: string[];
  /**
   * Lambda runtime the layer is built for, such as `python3.12`. When set,
   * pip installs wheels for that runtime's Python version and Amazon Linux
   * glibc instead of the build machine's. @default undefined (the machine's)
   */
  runtime?: string;
  /** Instruction set the wheels are built for, with `runtime`. @default 'x86_64' */
  architecture?: 'x86_64' | 'arm64';
  /**
   * Folder of the packages inside the zip: `python` for `python/`, or
   * `site-packages` for `python/lib/python3.X/site-packages/` (needs
   * `runtime`). @default 'python'
   */
  layout?: 'python' | 'site-packages';
  /**
   * Globs of paths to leave out of the zip, relative to the layout folder,
   * such as `**\/tests/**`. `__pycache__` and `*.pyc` are always left out.
   * @default []
   */
  exclude?: string[];
  /**
   * Keeps each package's `.dist-info` folder, which `importlib.metadata`
   * reads. @default true
   */
  keepDistInfo?: boolean;
  /**
   * Publishing settings: upload, regions, sharing and retention. Options of
   * the publish-layer target override each field.
   */
  publish?: LayerPublishConfig;
}

/** The `publish` block of `layer.json`; every field is optional. */
export interface LayerPublishConfig {
  /**
   * `direct` publishes with the Lambda API; `cloudformation` deploys the
   * layer's own stack template. @default 'direct'
   */
  mode?: 'direct' | 'cloudformation';
  /**
   * S3 bucket for the zip. `{accountId}` and `{region}` are replaced, as in
   * `app-control-{accountId}`. Without a bucket the zip goes in the request
   * itself, which Lambda allows up to 50 MB.
   */
  s3Bucket?: string;
  /** Key prefix inside the bucket, such as `lambda_layers/`. @default '' */
  s3Prefix?: string;
  /** Regions to publish in, each with its own upload, version and parameter. */
  regions?: string[];
  /**
   * SSM parameter name by environment name, used instead of `ssmParameter`
   * when the `environment` option names one of them.
   */
  ssmParameters?: Record<string, string>;
  /** AWS account ids allowed to use each new version. @default [] */
  shareWithAccounts?: string[];
  /** AWS Organizations id (`o-...`) whose accounts may use each new version. */
  shareWithOrganization?: string;
  /**
   * Number of newest versions to keep; older ones are deleted unless a
   * function still uses them. @default undefined (delete nothing)
   */
  keepVersions?: number;
  /**
   * Stack template for `mode: cloudformation`, relative to the project root.
   * @default 'layer-stack.yaml'
   */
  stackTemplate?: string;
  /** Stack name for `mode: cloudformation`. @default layer name + `-layer` */
  stackName?: string;
}

export interface LayerPipOptions {
  /** Pass `--no-index`: install only from `findLinks`. @default false */
  noIndex?: boolean;
  /** `--find-links` folders or URLs; workspace-relative paths. */
  findLinks?: string[];
  /** `--index-url`. */
  indexUrl?: string;
  /** `--extra-index-url` values. */
  extraIndexUrls?: string[];
  /** `--constraint` file, relative to the layer project root. */
  constraints?: string;
}

/** Layer configuration as written in `layer.json`: only `layerName` and `ssmParameter` are required. */
export type LayerConfigFile = Partial<LayerConfig> &
  Pick<LayerConfig, 'layerName' | 'ssmParameter'>;

export class LayerConfigError extends Error {
  override name = 'LayerConfigError';
}

const LAYER_NAME_PATTERN = /^[a-zA-Z0-9-_]{1,64}$/;

/** Fills in the defaults of a parsed `layer.json`, checking the required fields. */
export function normalizeLayerConfig(
  raw: unknown,
  source: string,
): LayerConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LayerConfigError(`${source} must contain a JSON object`);
  }
  const file = raw as Partial<LayerConfig>;
  if (
    typeof file.layerName !== 'string' ||
    !LAYER_NAME_PATTERN.test(file.layerName)
  ) {
    throw new LayerConfigError(
      `${source}: invalid layerName ${JSON.stringify(file.layerName)}; ` +
        'set it to 1-64 letters, digits, hyphens or underscores, as Lambda requires',
    );
  }
  if (!file.ssmParameter || typeof file.ssmParameter !== 'string') {
    throw new LayerConfigError(
      `${source}: missing ssmParameter; set it to the SSM parameter name ` +
        `that should hold the layer version ARN, for example "/lambda-layers/${file.layerName}/arn"`,
    );
  }
  const problem =
    findUnknownKey(file as Record<string, unknown>) ??
    findInvalidField(file as Record<string, unknown>);
  if (problem) {
    throw new LayerConfigError(`${source}: ${problem}`);
  }
  return {
    ...file,
    layerName: file.layerName,
    ssmParameter: file.ssmParameter,
    placeholder:
      file.placeholder ??
      `${file.layerName.toUpperCase().replace(/-/g, '_')}_LAYER_PLACEHOLDER`,
    exportName: file.exportName ?? `${file.layerName}-layer-arn`,
    requirements: file.requirements ?? 'requirements.txt',
    runtimes: file.runtimes ?? DEFAULT_RUNTIMES,
    architectures: file.architectures ?? ['x86_64'],
  };
}

/** Parses `layer.json` text; `source` names the file in errors. */
export function parseLayerConfig(text: string, source: string): LayerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LayerConfigError(
      `${source} is not valid JSON: ` +
        `${describeJsonError(text, (error as Error).message)}; fix the syntax`,
    );
  }
  return normalizeLayerConfig(raw, source);
}

/** Reads the `layer.json` of a project; `projectRoot` is relative to `workspaceRoot`. */
export function readLayerConfig(
  workspaceRoot: string,
  projectRoot: string,
): LayerConfig {
  const relativePath = join(projectRoot, LAYER_CONFIG_FILE);
  const path = join(workspaceRoot, relativePath);
  if (!existsSync(path)) {
    throw new LayerConfigError(
      `layer configuration ${relativePath} not found; ` +
        'create it with at least "layerName" and "ssmParameter"',
    );
  }
  return parseLayerConfig(readFileSync(path, 'utf8'), relativePath);
}
