export interface HotswapExecutorSchema {
  /** Stack whose functions are updated. @default the project name */
  stackName?: string;
  /** AWS region. @default AWS_REGION, then the profile's region */
  region?: string;
  /** Named AWS profile. @default AWS_PROFILE */
  profile?: string;
  /** Layer project names. @default the layer projects the stack depends on */
  layers?: string[];
  /** Function names or ARNs. @default the stack's functions */
  functionNames?: string[];
  /** Maximum wait for one function's update, in seconds. @default 300 */
  maxWaitSeconds?: number;
}
