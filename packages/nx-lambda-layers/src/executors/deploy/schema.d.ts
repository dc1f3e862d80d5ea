export interface DeployExecutorSchema {
  /**
   * Template path, relative to the workspace root.
   * @default template.yaml, .yml or .json in the project folder
   */
  template?: string;
  /** Stack name. @default stack_name in samconfig.toml */
  stackName?: string;
  /** AWS region. @default region in samconfig.toml, then AWS_REGION */
  region?: string;
  /** Named AWS profile. @default profile in samconfig.toml, then AWS_PROFILE */
  profile?: string;
  /** @default ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] */
  capabilities?: string[];
  /** Template parameter values by name, over samconfig.toml's. */
  parameterOverrides?: Record<string, string | number | boolean>;
  /** Bucket for packaged code and large templates. */
  s3Bucket?: string;
  /** Key prefix in the bucket. */
  s3Prefix?: string;
  /** Use (and create) the workspace's artifact bucket. @default false */
  resolveS3?: boolean;
  /** samconfig.toml environment. @default 'default' */
  configEnv?: string;
  /** Create the change set without executing it. @default false */
  noExecuteChangeset?: boolean;
  /**
   * SAM CLI configuration file, relative to the workspace root.
   * @default samconfig.toml, .yaml or .yml next to the template
   */
  configFile?: string;
  /** Stack tags by key, over samconfig.toml's. */
  tags?: Record<string, string>;
  /** IAM role CloudFormation assumes. @default role_arn in samconfig.toml */
  roleArn?: string;
  /** SNS topics for stack events. @default notification_arns in samconfig.toml */
  notificationArns?: string[];
  /** Ask before executing. @default confirm_changeset in samconfig.toml */
  confirmChangeset?: boolean;
  /** Answer yes to the confirmChangeset question. @default false */
  autoApprove?: boolean;
  /** Delete a ROLLBACK_COMPLETE stack and create it again. @default false */
  replaceFailedStack?: boolean;
  /**
   * Fill in current workspace layer versions in layer ARNs of the template
   * sent: unset replaces placeholder tokens, true also replaces written
   * numbers, false replaces nothing.
   */
  syncLayerVersions?: boolean;
}
