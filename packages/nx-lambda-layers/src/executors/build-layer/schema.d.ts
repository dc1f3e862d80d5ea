export interface BuildLayerExecutorSchema {
  /** Requirements file relative to the project root. @default layer.json's `requirements` */
  requirements?: string;
  /** Output folder relative to the workspace root. @default dist/<projectRoot> */
  outputPath?: string;
  /** Python interpreter that runs pip. @default python3 */
  python?: string;
}
