/** Options of build-layer; each overrides the same field of `layer.json`. */
export interface BuildLayerExecutorSchema {
  /** Requirements file relative to the project root. @default layer.json's `requirements` */
  requirements?: string;
  /** Inline requirement lines. @default [] */
  packages?: string[];
  /** Distribution names installed with `pip --no-deps`. @default [] */
  noDependencies?: string[];
  /** Branch, tag or commit for the layer's one git requirement. */
  ref?: string;
  /** Lambda runtime to install wheels for. @default undefined (the machine's) */
  runtime?: string;
  /** Instruction set to install wheels for. @default 'x86_64' */
  architecture?: 'x86_64' | 'arm64';
  /** Folder of the packages in the zip. @default 'python' */
  layout?: 'python' | 'site-packages';
  /** Globs of paths to leave out, relative to the layout folder. @default [] */
  exclude?: string[];
  /** Keep `.dist-info` folders. @default true */
  keepDistInfo?: boolean;
  /** pip `--index-url`. */
  noIndex?: boolean;
  indexUrl?: string;
  /** pip `--extra-index-url` values. */
  extraIndexUrls?: string[];
  /** pip `--find-links` folders or URLs. */
  findLinks?: string[];
  /** pip `--constraint` file relative to the project root. */
  constraints?: string;
  /** Output folder relative to the workspace root. @default dist/<projectRoot> */
  outputPath?: string;
  /** Python interpreter that runs pip. @default python3 */
  python?: string;
}
