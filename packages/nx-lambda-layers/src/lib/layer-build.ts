import { logger } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  type InstalledDistributions,
  nativeExtensions,
  type PackageSource,
  stripInstalledTree,
} from './build/installed';
import {
  checkUnzippedSize,
  formatBytes,
  LAMBDA_DIRECT_UPLOAD_LIMIT_BYTES,
  LAMBDA_UNZIPPED_LIMIT_BYTES,
} from './build/limits';
import {
  buildLocalProjects,
  checkGitWithTarget,
  planPipRuns,
  readRequirementLines,
} from './build/pip-runs';
import { findUnpinnedRequirements } from './build/pinning';
import { type BuildSettings, checkBuildSettings } from './build/settings';
import { LAYER_CONFIG_FILE, type LayerConfig } from './layer-config';
import {
  LAYER_MANIFEST_FILE,
  LAYER_ZIP_FILE,
  layerOutputDir,
  type LayerManifest,
  type LayerTarget,
} from './manifest';
import {
  checkPipVersion,
  createPipClient,
  notFoundRequirements,
  type PipClient,
  pipInstallArgs,
  PipInstallError,
  runPipInstall,
} from './pip';
import {
  collectFiles,
  writeZip,
  type ZipFileEntry,
  type ZipResult,
} from './zip';

export { LAMBDA_DIRECT_UPLOAD_LIMIT_BYTES, LAMBDA_UNZIPPED_LIMIT_BYTES };

export interface BuildLayerOptions {
  /** Absolute path of the workspace root. */
  workspaceRoot: string;
  /** Layer project root, relative to the workspace root. */
  projectRoot: string;
  /** Layer configuration, with any executor options already applied. */
  config: LayerConfig;
  /**
   * True when the requirements file path was set by the user, so a missing
   * file is an error even with inline `packages`. @default false
   */
  requirementsFileSet?: boolean;
  /** Branch, tag or commit for the one git requirement. */
  ref?: string;
  /**
   * Output folder relative to the workspace root. @default dist/<projectRoot>
   */
  outputPath?: string;
  /** @default createPipClient() */
  pipClient?: PipClient;
  /** Interpreter name for messages. @default 'python3' */
  python?: string;
  /** Environment of pip. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Timestamp of every zip entry. @default reproducibleMtime() */
  mtime?: Date;
  /** Maximum unzipped bytes. @default LAMBDA_UNZIPPED_LIMIT_BYTES */
  unzippedLimitBytes?: number;
  /** Zip size above which publishing needs S3. @default 50 MiB */
  directUploadLimitBytes?: number;
}

export interface BuildLayerResult {
  /** Absolute path of the layer zip. */
  zipFile: string;
  /** Absolute path of the manifest. */
  manifestFile: string;
  manifest: LayerManifest;
  /**
   * Distributions installed from a URL, a path or a VCS, from
   * `direct_url.json`.
   */
  sources: PackageSource[];
}

interface BuildPaths {
  projectDir: string;
  requirementsFile: string;
  outputDir: string;
  stagingDir: string;
  pythonDir: string;
}

/**
 * Builds a layer: installs the requirements with pip into a clean staging
 * folder, strips bytecode and install records, checks Lambda's size limits,
 * and writes a reproducible `layer.zip` plus `layer.manifest.json`. Both
 * files replace the previous ones only when the whole build succeeds.
 */
export async function buildLayer(
  options: BuildLayerOptions,
): Promise<BuildLayerResult> {
  const paths = buildPaths(options);
  const settings = checkBuildSettings(options.config, configSource(options));
  const client = options.pipClient ?? createPipClient();
  await checkPython(client, options, paths);
  const lines = await readRequirementLines({
    workspaceRoot: options.workspaceRoot,
    projectDir: paths.projectDir,
    requirementsFile: paths.requirementsFile,
    requirementsFileSet: options.requirementsFileSet ?? false,
    packages: options.config.packages ?? [],
    ref: options.ref,
    configSource: configSource(options),
  });
  warnUnpinned(
    findUnpinnedRequirements(lines, dirname(paths.requirementsFile)),
  );

  await rm(paths.stagingDir, { recursive: true, force: true });
  await mkdir(paths.pythonDir, { recursive: true });
  try {
    const installed = await install(options, paths, settings, lines, client);
    const result = await zipAndCheck(options, paths, settings, installed);
    logSummary(options, paths, result.manifest);
    return result;
  } finally {
    await rm(paths.stagingDir, { recursive: true, force: true });
  }
}

function buildPaths(options: BuildLayerOptions): BuildPaths {
  const projectDir = join(options.workspaceRoot, options.projectRoot);
  const outputDir = join(
    options.workspaceRoot,
    options.outputPath ?? layerOutputDir(options.projectRoot),
  );
  const stagingDir = join(outputDir, '.staging');
  return {
    projectDir,
    requirementsFile: join(projectDir, options.config.requirements),
    outputDir,
    stagingDir,
    pythonDir: join(stagingDir, 'python'),
  };
}

function configSource(options: BuildLayerOptions): string {
  return join(options.projectRoot, LAYER_CONFIG_FILE);
}

/** Checks that the interpreter runs a recent enough pip. */
async function checkPython(
  client: PipClient,
  options: BuildLayerOptions,
  paths: BuildPaths,
): Promise<void> {
  if (!client.version) {
    return;
  }
  const result = await client.version({
    cwd: paths.projectDir,
    env: options.env ?? process.env,
    onOutput: () => undefined,
  });
  const versions = checkPipVersion(result, options.python ?? 'python3');
  logger.info(`Using pip ${versions.pip} on Python ${versions.python}`);
}

function warnUnpinned(unpinned: string[]): void {
  if (unpinned.length > 0) {
    logger.warn(
      `requirements not pinned to one version: ${unpinned.join(', ')}. A ` +
        'later build may install other versions, and an Nx cache hit may ' +
        'return an older build; pin them with == (or a full commit id for git)',
    );
  }
}

async function install(
  options: BuildLayerOptions,
  paths: BuildPaths,
  settings: BuildSettings,
  lines: string[],
  client: PipClient,
): Promise<InstalledDistributions> {
  const resolved = await buildLocalProjects(
    lines,
    paths.projectDir,
    join(paths.stagingDir, 'wheels'),
  );
  if (settings.target) {
    checkGitWithTarget(resolved, settings.noDependencies);
  }
  const runs = await planPipRuns(
    resolved,
    settings.noDependencies,
    dirname(paths.requirementsFile),
    paths.stagingDir,
    relative(options.workspaceRoot, paths.requirementsFile),
  );
  for (const run of runs) {
    logger.info(
      `Installing requirements with pip${run.noDependencies ? ' --no-deps' : ''}` +
        (settings.target ? ` for ${describeTarget(settings.target)}` : ''),
    );
    const args = pipInstallArgs({
      target: paths.pythonDir,
      requirementsFile: run.requirementsFile,
      noDependencies: run.noDependencies,
      pip: options.config.pip,
      workspaceRoot: options.workspaceRoot,
      constraintsFile: options.config.pip?.constraints
        ? join(paths.projectDir, options.config.pip.constraints)
        : undefined,
      platform: settings.target,
    });
    await runPip(client, args, options, paths, settings.target);
  }

  logger.info('Stripping bytecode and install records');
  return stripInstalledTree(paths.pythonDir);
}

function describeTarget(target: LayerTarget): string {
  return `${target.runtime} ${target.architecture}`;
}

/**
 * Runs one pip install. With a target platform, a requirement that pip finds
 * no distribution for gets an error naming the platform tags.
 */
async function runPip(
  client: PipClient,
  args: string[],
  options: BuildLayerOptions,
  paths: BuildPaths,
  target: LayerTarget | undefined,
): Promise<void> {
  try {
    await runPipInstall(client, args, {
      cwd: paths.projectDir,
      env: options.env ?? process.env,
      onOutput: (line) => logger.info(line),
      configSource: configSource(options),
    });
  } catch (error) {
    const located =
      error instanceof PipInstallError
        ? locateInvalidRequirement(error.result.output, options, paths)
        : undefined;
    if (located) throw new Error(located, { cause: error });
    const missing =
      error instanceof PipInstallError && target
        ? notFoundRequirements(error.result.output)
        : [];
    if (!target || missing.length === 0) {
      throw error;
    }
    const tags = target.platforms;
    throw new Error(
      `no wheel of ${missing.join(', ')} for ${describeTarget(target)} ` +
        `(CPython ${target.pythonVersion}, platform ${tags[0]} down to ` +
        `${tags[tags.length - 1]}) in the sources pip searched; pin a version ` +
        'that publishes such a wheel, add a folder with the wheel to ' +
        'pip.findLinks, or change runtime or architecture',
      { cause: error },
    );
  }
}

/**
 * Returns the error for a requirement that pip could not parse, placed in
 * the requirements file or the `packages` option where it was written, or
 * undefined when pip named another file. pip names a line of the staged
 * copy, which has no comments or blank lines and is deleted after the
 * failed build.
 */
function locateInvalidRequirement(
  output: string,
  options: BuildLayerOptions,
  paths: BuildPaths,
): string | undefined {
  const invalid = /Invalid requirement: '(.+?)'(: [^\n]+)?/.exec(output);
  const file = /\(from line \d+ of (.+?)\)/.exec(output)?.[1];
  if (!invalid || !file?.includes(paths.stagingDir)) return undefined;
  const [, requirement, reason = ''] = invalid;
  const fix = `${reason}; write it as name==version, such as sosw==2.7.1`;
  const sourceLines = existsSync(paths.requirementsFile)
    ? readFileSync(paths.requirementsFile, 'utf8').split('\n')
    : [];
  const index = sourceLines.findIndex(
    (line) => line.replace(/(^|\s)#.*$/, '').trim() === requirement,
  );
  if (index >= 0) {
    const path = relative(options.workspaceRoot, paths.requirementsFile);
    return `invalid requirement "${requirement}" on line ${index + 1} of ${path}${fix}`;
  }
  if (options.config.packages?.some((line) => line.trim() === requirement)) {
    return (
      `invalid requirement "${requirement}" in the packages of ` +
      `${configSource(options)}${fix}`
    );
  }
  return undefined;
}

async function zipAndCheck(
  options: BuildLayerOptions,
  paths: BuildPaths,
  settings: BuildSettings,
  installed: InstalledDistributions,
): Promise<BuildLayerResult> {
  logger.info('Checking the unzipped size against Lambda limits');
  const entries = await collectFiles(paths.pythonDir, {
    prefix: settings.prefix,
    exclude: settings.exclude,
  });
  checkUnzippedSize(entries, settings.prefix, options.unzippedLimitBytes);

  logger.info(`Zipping ${entries.length} files under ${settings.prefix}`);
  const zip = await writeZip(entries, join(paths.stagingDir, LAYER_ZIP_FILE), {
    mtime: options.mtime,
  });
  const manifest = createManifest(options, settings, zip, installed, entries);
  await writeOutputs(paths, manifest);
  return {
    zipFile: join(paths.outputDir, LAYER_ZIP_FILE),
    manifestFile: join(paths.outputDir, LAYER_MANIFEST_FILE),
    manifest,
    sources: installed.sources,
  };
}

function createManifest(
  options: BuildLayerOptions,
  settings: BuildSettings,
  zip: ZipResult,
  installed: InstalledDistributions,
  entries: ZipFileEntry[],
): LayerManifest {
  const directLimit =
    options.directUploadLimitBytes ?? LAMBDA_DIRECT_UPLOAD_LIMIT_BYTES;
  return {
    layerName: options.config.layerName,
    zipFile: LAYER_ZIP_FILE,
    sha256: zip.sha256,
    sha256Base64: zip.sha256Base64,
    zipBytes: zip.zipBytes,
    unzippedBytes: zip.unzippedBytes,
    fileCount: zip.fileCount,
    packages: installed.packages,
    runtimes: options.config.runtimes,
    architectures: options.config.architectures,
    layout: settings.prefix,
    ...(settings.target ? { target: settings.target } : {}),
    sources: installed.sources,
    nativeExtensions: nativeExtensions(installed, entries, settings.prefix),
    exceedsDirectUploadLimit: zip.zipBytes > directLimit,
  };
}

/**
 * Moves the zip and the manifest from the staging folder over the previous
 * ones. Both are complete before either is renamed, and each rename is atomic.
 */
async function writeOutputs(
  paths: BuildPaths,
  manifest: LayerManifest,
): Promise<void> {
  const stagedManifest = join(paths.stagingDir, LAYER_MANIFEST_FILE);
  await writeFile(stagedManifest, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(
    join(paths.stagingDir, LAYER_ZIP_FILE),
    join(paths.outputDir, LAYER_ZIP_FILE),
  );
  await rename(stagedManifest, join(paths.outputDir, LAYER_MANIFEST_FILE));
}

function logSummary(
  options: BuildLayerOptions,
  paths: BuildPaths,
  manifest: LayerManifest,
): void {
  if (manifest.exceedsDirectUploadLimit) {
    logger.warn(
      `the zip is ${formatBytes(manifest.zipBytes)}, over the 50 MiB a ` +
        'direct upload allows; publish it through S3 (publish.s3Bucket in ' +
        `${configSource(options)})`,
    );
  }
  const zipFile = relative(
    options.workspaceRoot,
    join(paths.outputDir, LAYER_ZIP_FILE),
  );
  logger.info(
    `Built ${zipFile}: ${formatBytes(manifest.zipBytes)}, ` +
      `SHA-256 ${manifest.sha256Base64} (base64, as Lambda's CodeSha256), ` +
      `${manifest.packages.length} ` +
      (manifest.packages.length === 1 ? 'package' : 'packages'),
  );
}
