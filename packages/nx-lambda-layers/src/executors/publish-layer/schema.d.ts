export interface PublishLayerExecutorSchema {
  /** AWS region; overrides `regions`. @default AWS_REGION, then the profile's region */
  region?: string;
  /** Regions to publish in, one after another. @default [region] */
  regions?: string[];
  /** Named AWS profile. @default AWS_PROFILE, then `default` */
  profile?: string;
  /** `direct` (Lambda API) or `cloudformation` (the layer's stack). @default 'direct' */
  mode?: 'direct' | 'cloudformation';
  /** S3 bucket; `{accountId}` and `{region}` are replaced. */
  s3Bucket?: string;
  /** Key prefix in the bucket. @default '' */
  s3Prefix?: string;
  /** SSM parameter name; overrides `layer.json`. */
  ssmParameter?: string;
  /** Key of `publish.ssmParameters` in `layer.json`. */
  environment?: string;
  /** Account ids given `lambda:GetLayerVersion` on each version. */
  shareWithAccounts?: string[];
  /** Organization id given `lambda:GetLayerVersion` on each version. */
  shareWithOrganization?: string;
  /** Number of newest versions to keep. @default keep all */
  keepVersions?: number;
  /** Stack template of `mode: cloudformation`, relative to the project. @default 'layer-stack.yaml' */
  stackTemplate?: string;
  /** Stack name of `mode: cloudformation`. @default `<layerName>-layer` */
  stackName?: string;
  /** Log the write calls and make only read calls. @default false */
  dryRun?: boolean;
  /** Publish even when the newest version has the same hash. @default false */
  force?: boolean;
}
