export interface PublishLayerExecutorSchema {
  /** AWS region. @default AWS_REGION, then the profile's region */
  region?: string;
  /** Named AWS profile. @default AWS_PROFILE, then `default` */
  profile?: string;
  /** Log the write calls and make only read calls. @default false */
  dryRun?: boolean;
  /** Publish even when the newest version has the same hash. @default false */
  force?: boolean;
}
