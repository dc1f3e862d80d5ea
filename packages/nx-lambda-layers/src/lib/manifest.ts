import { join } from 'node:path';

/** File names of build-layer's output, inside the layer's output folder. */
export const LAYER_ZIP_FILE = 'layer.zip';
export const LAYER_MANIFEST_FILE = 'layer.manifest.json';
/** File name of publish-layer's result, beside the zip. */
export const PUBLISH_RESULT_FILE = 'publish-result.json';

/** Output folder of a layer project: `dist/<projectRoot>`, relative to the workspace root. */
export function layerOutputDir(projectRoot: string): string {
  return join('dist', projectRoot);
}

/** One installed Python distribution, from its `.dist-info` folder. */
export interface InstalledPackage {
  name: string;
  version: string;
}

/** Description of a built layer zip, written by build-layer beside the zip. */
export interface LayerManifest {
  layerName: string;
  /** Zip file name, relative to the manifest. */
  zipFile: string;
  /** SHA-256 of the zip bytes, hex. */
  sha256: string;
  /** SHA-256 of the zip bytes, base64: the form Lambda reports as `CodeSha256`. */
  sha256Base64: string;
  /** Size of the zip file in bytes. */
  zipBytes: number;
  /** Sum of the uncompressed sizes of the zipped files, in bytes. */
  unzippedBytes: number;
  fileCount: number;
  /** Installed distributions, sorted by name. */
  packages: InstalledPackage[];
  runtimes: string[];
  architectures: string[];
}

/** Result of publish-layer, written beside the zip. */
export interface PublishResult {
  layerName: string;
  region: string;
  layerArn: string;
  layerVersionArn: string;
  version: number;
  codeSha256: string;
  /** False when the newest version already had the zip's hash. */
  published: boolean;
  ssmParameter: string;
}
