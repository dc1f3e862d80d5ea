export interface LambdaGeneratorSchema {
  /** Project name, also the stack name. */
  name: string;
  /** Name of the layer project the function uses. */
  layer: string;
  /** Project folder, relative to the workspace root. @default apps/<name> */
  directory?: string;
  /** Lambda runtime. @default the newest runtime of the layer */
  runtime?: string;
  /** Architecture. @default the layer's first architecture */
  architecture?: string;
  /** Memory in MB. @default 256 */
  memory?: number;
  /** Timeout in seconds. @default 10 */
  timeout?: number;
  /** Layer reference in the template. @default 'ssm' */
  referenceStyle?: 'ssm' | 'placeholder';
  /** Template flavour. @default 'sam' */
  templateType?: 'sam' | 'cloudformation';
  /** Comma-separated project tags. @default 'lambda' */
  tags?: string;
  /** Python command of the test target. @default 'python' */
  python?: string;
  skipFormat?: boolean;
}
