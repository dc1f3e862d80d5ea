/** Options of the `nx-lambda-layers` plugin entry in `nx.json`. */
export interface LambdaLayersPluginOptions {
  /**
   * Name of the target that builds a layer project's zip; `false` leaves
   * the target out.
   * @default 'build'
   */
  buildTargetName?: string | false;
  /**
   * Name of the target that publishes a layer version; `false` leaves the
   * target out.
   * @default 'publish'
   */
  publishTargetName?: string | false;
  /**
   * Name of the target that writes a layer's current version into the
   * templates of the projects that use it; `false` leaves the target out.
   * @default 'sync-versions'
   */
  syncVersionsTargetName?: string | false;
  /**
   * Name of the target that deploys a stack project; `false` leaves the
   * target out.
   * @default 'deploy'
   */
  deployTargetName?: string | false;
  /**
   * Name of the target that swaps a new layer version into the functions of
   * a stack directly, without a CloudFormation deploy. `false` leaves the
   * target out. The target is inferred only on stacks whose template lists
   * `Layers`.
   * @default 'hotswap'
   */
  hotswapTargetName?: string | false;
  /**
   * File names that make a folder without `layer.json` a stack project.
   * When a folder has several, the first in this list is its template.
   * @default ['template.yaml', 'template.yml', 'template.json']
   */
  templateFileNames?: string[];
  /**
   * SAM CLI configuration environment read from `samconfig.toml`.
   * @default 'default'
   */
  configEnv?: string;
  /**
   * `false` makes the plugin infer no projects and no dependencies, so only
   * its executors and generators remain. It exists to measure the cost of
   * inference with the plugin still loaded.
   * @default true
   */
  inference?: boolean;
}

export type NormalizedPluginOptions = Required<LambdaLayersPluginOptions>;

export const DEFAULT_TEMPLATE_FILE_NAMES = [
  'template.yaml',
  'template.yml',
  'template.json',
];

/** Fills in the defaults of the plugin options. */
export function normalizeOptions(
  options: LambdaLayersPluginOptions | undefined,
): NormalizedPluginOptions {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    publishTargetName: options?.publishTargetName ?? 'publish',
    syncVersionsTargetName: options?.syncVersionsTargetName ?? 'sync-versions',
    deployTargetName: options?.deployTargetName ?? 'deploy',
    hotswapTargetName: options?.hotswapTargetName ?? 'hotswap',
    templateFileNames: options?.templateFileNames?.length
      ? options.templateFileNames
      : DEFAULT_TEMPLATE_FILE_NAMES,
    configEnv: options?.configEnv || 'default',
    inference: options?.inference ?? true,
  };
}
