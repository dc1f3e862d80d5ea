export interface SyncVersionsExecutorSchema {
  /** Layer version number to write; no AWS call is made when set. */
  layerVersion?: number;
  /** Change nothing and fail when a reference is stale. @default false */
  check?: boolean;
  /** Change nothing and print a diff. @default false */
  dryRun?: boolean;
  /** Write synced copies under `renderDir`, not the sources. @default false */
  render?: boolean;
  /** Workspace-relative output folder of `render`. @default 'dist' */
  renderDir?: string;
  /** Rewrite ARN references into an SSM parameter and `!Ref`. @default false */
  toSsm?: boolean;
  /**
   * Folders searched: dependent projects or the whole workspace.
   * @default 'dependents'
   */
  scope?: 'dependents' | 'workspace';
  /** Workspace-relative folders to search instead of `scope`. */
  paths?: string[];
  /** AWS region. @default AWS_REGION, then the profile's region */
  region?: string;
  /** Named AWS profile. @default AWS_PROFILE, then `default` */
  profile?: string;
}
