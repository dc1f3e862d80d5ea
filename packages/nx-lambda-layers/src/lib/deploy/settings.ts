import type { SamDeployConfig } from '../samconfig';
import { type LayerVersionSync, layerVersionSyncOf } from './layer-versions';

/** Capabilities sent when neither the options nor samconfig.toml name any. */
export const DEFAULT_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];

/**
 * Stack names CloudFormation accepts: letters, digits and hyphens, starting
 * with a letter, at most 128 characters (source: `StackName` of CreateStack
 * in the CloudFormation API reference). The local emulator accepts any name.
 */
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** Deploy options as the executor receives them; all optional. */
export interface DeployOptions {
  stackName?: string;
  region?: string;
  profile?: string;
  capabilities?: string[];
  parameterOverrides?: Record<string, string | number | boolean>;
  s3Bucket?: string;
  s3Prefix?: string;
  resolveS3?: boolean;
  noExecuteChangeset?: boolean;
  tags?: Record<string, string>;
  roleArn?: string;
  notificationArns?: string[];
  confirmChangeset?: boolean;
  autoApprove?: boolean;
  replaceFailedStack?: boolean;
  syncLayerVersions?: boolean;
}

/** Deploy settings after merging samconfig.toml and the options. */
export interface DeploySettings {
  stackName: string;
  region?: string;
  profile?: string;
  capabilities: string[];
  parameterOverrides: Record<string, string>;
  s3Bucket?: string;
  s3Prefix?: string;
  resolveS3: boolean;
  noExecuteChangeset: boolean;
  tags: Record<string, string>;
  roleArn?: string;
  notificationArns: string[];
  /** Ask before executing the change set. */
  confirmChangeset: boolean;
  /** Answer yes to the `confirmChangeset` question without asking. */
  autoApprove: boolean;
  /** Delete a `ROLLBACK_COMPLETE` stack and create it again. */
  replaceFailedStack: boolean;
  /** Layer version tokens replaced in the template sent. */
  syncLayerVersions: LayerVersionSync;
}

/**
 * Merges the deploy settings. The SAM CLI configuration is the base, and
 * each option that is set overrides it. Parameter overrides and tags merge
 * key by key.
 * `CAPABILITY_AUTO_EXPAND` is added when the template has a `Transform`,
 * because CloudFormation rejects a change set of such a template without
 * it. `source` names the samconfig file in errors.
 */
export function mergeDeploySettings(
  samConfig: SamDeployConfig | undefined,
  options: DeployOptions,
  hasTransform: boolean,
  source: string,
): DeploySettings {
  const stackName = options.stackName ?? samConfig?.stackName;
  if (!stackName) {
    throw new Error(
      'stack name is not set; set the `stackName` option or `stack_name` ' +
        `in ${source}`,
    );
  }
  if (!STACK_NAME.test(stackName)) {
    throw new Error(
      `invalid stack name ${JSON.stringify(stackName)}; CloudFormation ` +
        'accepts letters, digits and hyphens, starting with a letter, up ' +
        `to 128 characters (set in \`stackName\` or ${source})`,
    );
  }
  const capabilities = [
    ...(options.capabilities ??
      samConfig?.capabilities ??
      DEFAULT_CAPABILITIES),
  ];
  if (hasTransform && !capabilities.includes('CAPABILITY_AUTO_EXPAND')) {
    capabilities.push('CAPABILITY_AUTO_EXPAND');
  }

  return {
    ...fileOverridable(samConfig, options),
    stackName,
    region: options.region ?? samConfig?.region,
    profile: options.profile ?? samConfig?.profile,
    capabilities,
    parameterOverrides: {
      ...samConfig?.parameterOverrides,
      ...stringValues(options.parameterOverrides ?? {}),
    },
    s3Bucket: options.s3Bucket ?? samConfig?.s3Bucket,
    s3Prefix: options.s3Prefix ?? samConfig?.s3Prefix,
    resolveS3: options.resolveS3 ?? samConfig?.resolveS3 ?? false,
    noExecuteChangeset: options.noExecuteChangeset ?? false,
    autoApprove: options.autoApprove ?? false,
    replaceFailedStack: options.replaceFailedStack ?? false,
    syncLayerVersions: layerVersionSyncOf(options.syncLayerVersions),
  };
}

/** Settings of the SAM CLI file that an option of the same name overrides. */
function fileOverridable(
  samConfig: SamDeployConfig | undefined,
  options: DeployOptions,
) {
  return {
    tags: { ...samConfig?.tags, ...options.tags },
    roleArn: options.roleArn ?? samConfig?.roleArn,
    notificationArns:
      options.notificationArns ?? samConfig?.notificationArns ?? [],
    confirmChangeset:
      options.confirmChangeset ?? samConfig?.confirmChangeset ?? false,
  };
}

/** CloudFormation parameter values are strings; JSON options may be numbers. */
function stringValues(
  values: Record<string, string | number | boolean>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, String(value)]),
  );
}
