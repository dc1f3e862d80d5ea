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
  // The fields below are absent from manifests written by older builds.
  /** Folder of the packages inside the zip, such as `python/`. */
  layout?: string;
  /** Runtime and platform the wheels were chosen for, when one was set. */
  target?: LayerTarget;
  /** Packages installed from git, a URL or a path, with the commit of each git one. */
  sources?: LayerPackageSource[];
  /** Every native extension (`.so`) in the zip, sorted by path. */
  nativeExtensions?: NativeExtension[];
  /**
   * True when the zip is over the 50 MiB that Lambda accepts in a
   * PublishLayerVersion request, so it must be published through S3.
   */
  exceedsDirectUploadLimit?: boolean;
}

/** Runtime and platform a layer was built for. */
export interface LayerTarget {
  runtime: string;
  architecture: string;
  /** Python version passed to pip, such as `3.12`. */
  pythonVersion: string;
  /** `--platform` tags passed to pip, most specific first. */
  platforms: string[];
}

/** Origin of an installed package, from its `direct_url.json`. */
export interface LayerPackageSource {
  name: string;
  url: string;
  /** Version control system, such as `git`. */
  vcs?: string;
  /** Commit a git install resolved to. */
  commitId?: string;
  /** Branch, tag or commit the requirement asked for. */
  requestedRevision?: string;
}

/** A native extension module and the wheel tags of the package it came from. */
export interface NativeExtension {
  /** Path inside the zip. */
  path: string;
  /** Distribution that installed it, or undefined when no RECORD lists it. */
  package?: string;
  /** `Tag` lines of the wheel's WHEEL file, such as `cp312-cp312-manylinux_2_17_x86_64`. */
  tags: string[];
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
