import { logger } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  type InstalledDistributions,
  type PackageSource,
  stripInstalledTree,
} from './build/installed';
import { requirementLines, splitRequirements } from './build/requirements';
import { LAYER_CONFIG_FILE, type LayerConfig } from './layer-config';
import {
  LAYER_MANIFEST_FILE,
  LAYER_ZIP_FILE,
  layerOutputDir,
  type LayerManifest,
} from './manifest';
import {
  createPipClient,
  type PipClient,
  pipInstallArgs,
  runPipInstall,
} from './pip';
import { zipDirectory, type ZipResult } from './zip';

/** Lambda's limit on the unzipped size of a function and all its layers. */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000;

export interface BuildLayerOptions {
  /** Absolute path of the workspace root. */
  workspaceRoot: string;
  /** Layer project root, relative to the workspace root. */
  projectRoot: string;
  /** Layer configuration, with any executor options already applied. */
  config: LayerConfig;
  /**
   * Output folder relative to the workspace root. @default dist/<projectRoot>
   */
  outputPath?: string;
  /** @default createPipClient() */
  pipClient?: PipClient;
  /** Environment of pip. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Timestamp of every zip entry. @default reproducibleMtime() */
  mtime?: Date;
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
 * folder, strips bytecode and install records, and writes a reproducible
 * `layer.zip` with `python/<package>/...` entries plus `layer.manifest.json`.
 * Both files replace the previous ones only when the whole build succeeds.
 */
export async function buildLayer(
  options: BuildLayerOptions,
): Promise<BuildLayerResult> {
  const paths = buildPaths(options);
  const requirementsText = await readRequirements(options, paths);
  await rm(paths.stagingDir, { recursive: true, force: true });
  await mkdir(paths.pythonDir, { recursive: true });
  try {
    await installRequirements(options, paths, requirementsText);

    logger.info('Stripping bytecode and install records');
    const installed = await stripInstalledTree(paths.pythonDir);

    logger.info(`Zipping ${relative(options.workspaceRoot, paths.pythonDir)}`);
    const zip = await zipDirectory(
      paths.pythonDir,
      join(paths.stagingDir, LAYER_ZIP_FILE),
      {
        prefix: 'python/',
        mtime: options.mtime,
      },
    );
    const manifest = createManifest(options.config, zip, installed);
    await writeOutputs(paths, manifest);
    logSummary(options, paths, manifest);
    return {
      zipFile: join(paths.outputDir, LAYER_ZIP_FILE),
      manifestFile: join(paths.outputDir, LAYER_MANIFEST_FILE),
      manifest,
      sources: installed.sources,
    };
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

async function readRequirements(
  options: BuildLayerOptions,
  paths: BuildPaths,
): Promise<string> {
  const relativePath = relative(options.workspaceRoot, paths.requirementsFile);
  if (!existsSync(paths.requirementsFile)) {
    throw new Error(
      `requirements file ${relativePath} not found; set the \`requirements\` option ` +
        `or "requirements" in ${configSource(options)}, or create the file`,
    );
  }
  const text = await readFile(paths.requirementsFile, 'utf8');
  if (requirementLines(text).length === 0) {
    throw new Error(
      `requirements file ${relativePath} lists no requirements; add the packages the layer should contain`,
    );
  }
  return text;
}

function configSource(options: BuildLayerOptions): string {
  return join(options.projectRoot, LAYER_CONFIG_FILE);
}

/** One pip run: a requirements file, with or without dependencies. */
interface PipRun {
  requirementsFile: string;
  noDependencies: boolean;
}

async function installRequirements(
  options: BuildLayerOptions,
  paths: BuildPaths,
  requirementsText: string,
): Promise<void> {
  const runs = await planPipRuns(options, paths, requirementsText);
  const client = options.pipClient ?? createPipClient();
  for (const run of runs) {
    const relativePath = relative(options.workspaceRoot, run.requirementsFile);
    logger.info(
      `Installing ${relativePath} with pip${run.noDependencies ? ' --no-deps' : ''}`,
    );
    const args = pipInstallArgs({
      target: paths.pythonDir,
      requirementsFile: run.requirementsFile,
      noDependencies: run.noDependencies,
      pip: options.config.pip,
      workspaceRoot: options.workspaceRoot,
    });
    await runPipInstall(client, args, {
      cwd: paths.projectDir,
      env: options.env ?? process.env,
      onOutput: (line) => logger.info(line),
      configSource: configSource(options),
    });
  }
}

/**
 * Returns the pip runs of a build: the requirements file as is, or, when
 * `noDependencies` names packages, two files written to the staging folder.
 */
async function planPipRuns(
  options: BuildLayerOptions,
  paths: BuildPaths,
  requirementsText: string,
): Promise<PipRun[]> {
  const noDependencies = checkNoDependencies(options);
  if (noDependencies.length === 0) {
    return [
      { requirementsFile: paths.requirementsFile, noDependencies: false },
    ];
  }
  const split = splitRequirements(
    requirementsText,
    noDependencies,
    dirname(paths.requirementsFile),
    relative(options.workspaceRoot, paths.requirementsFile),
  );
  const runs: PipRun[] = [];
  if (split.hasRequirementsWithDependencies) {
    const file = join(paths.stagingDir, 'requirements.txt');
    await writeFile(file, `${split.withDependencies.join('\n')}\n`);
    runs.push({ requirementsFile: file, noDependencies: false });
  }
  // The --no-deps run goes last, so its pinned versions replace any other
  // version of the same packages that the first run pulled in.
  const file = join(paths.stagingDir, 'requirements-no-deps.txt');
  await writeFile(file, `${split.withoutDependencies.join('\n')}\n`);
  runs.push({ requirementsFile: file, noDependencies: true });
  return runs;
}

function checkNoDependencies(options: BuildLayerOptions): string[] {
  const value: unknown = options.config.noDependencies ?? [];
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) {
    throw new Error(
      `${configSource(options)}: noDependencies must be a list of package names, such as ["sosw", "bson"]`,
    );
  }
  return value;
}

function createManifest(
  config: LayerConfig,
  zip: ZipResult,
  installed: InstalledDistributions,
): LayerManifest {
  return {
    layerName: config.layerName,
    zipFile: LAYER_ZIP_FILE,
    sha256: zip.sha256,
    sha256Base64: zip.sha256Base64,
    zipBytes: zip.zipBytes,
    unzippedBytes: zip.unzippedBytes,
    fileCount: zip.fileCount,
    packages: installed.packages,
    runtimes: config.runtimes,
    architectures: config.architectures,
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
  if (manifest.unzippedBytes > LAMBDA_UNZIPPED_LIMIT_BYTES) {
    logger.warn(
      `the layer is ${manifest.unzippedBytes} bytes unzipped, over Lambda's ` +
        `limit of ${LAMBDA_UNZIPPED_LIMIT_BYTES} bytes for a function and all its layers`,
    );
  }
  const zipFile = relative(
    options.workspaceRoot,
    join(paths.outputDir, LAYER_ZIP_FILE),
  );
  const mebibytes = (manifest.zipBytes / 1024 / 1024).toFixed(1);
  logger.info(
    `Built ${zipFile}: ${manifest.zipBytes} bytes (${mebibytes} MiB), ` +
      `SHA-256 ${manifest.sha256Base64} (base64, as Lambda's CodeSha256), ` +
      `${manifest.packages.length} packages`,
  );
}
