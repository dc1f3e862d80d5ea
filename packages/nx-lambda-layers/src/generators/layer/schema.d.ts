export interface LayerGeneratorSchema {
  /** Project name. */
  name: string;
  /** Project folder, relative to the workspace root. @default apps/<name> */
  directory?: string;
  /** Lambda layer name. @default name without a trailing `-layer` */
  layerName?: string;
  /** SSM parameter of the newest version ARN. @default /lambda-layers/<layerName>/arn */
  ssmParameter?: string;
  /** Version placeholder token. @default upper-cased layer name + `_LAYER_PLACEHOLDER` */
  placeholder?: string;
  /** CloudFormation export name. @default <layerName>-layer-arn */
  exportName?: string;
  /** Compatible runtimes. @default python3.10 to python3.13 */
  runtimes?: string[];
  /** Compatible architectures. @default ['x86_64'] */
  architectures?: string[];
  license?: string;
  description?: string;
  /** Requirements for requirements.txt. @default [] */
  packages?: string[];
  /** Layer template to write. @default 'none' */
  template?: 'none' | 'cloudformation' | 'sam';
  /** Comma-separated project tags. @default 'layer' */
  tags?: string;
  skipFormat?: boolean;
}
