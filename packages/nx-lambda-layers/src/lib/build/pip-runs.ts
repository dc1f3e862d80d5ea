import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWheelFromProject } from '../python-wheel';
import {
  applyGitRef,
  isGitRequirement,
  isPathRequirement,
} from './requirement-sources';
import {
  canonicalPackageName,
  requirementLines,
  splitRequirements,
} from './requirements';

/** One pip run: a requirements file, with or without dependencies. */
export interface PipRun {
  requirementsFile: string;
  noDependencies: boolean;
}

/** Where a layer's requirements come from. */
export interface RequirementsInput {
  workspaceRoot: string;
  /** Absolute layer project folder; inline paths resolve from it. */
  projectDir: string;
  /** Absolute requirements file path. */
  requirementsFile: string;
  /** True when the file path was set, so a missing file is an error. */
  requirementsFileSet: boolean;
  /** Inline requirement lines. */
  packages: string[];
  /** Git ref that replaces the one of the git requirement. */
  ref?: string;
  /** `layer.json` path relative to the workspace, for messages. */
  configSource: string;
}

/**
 * Reads the requirement lines of a layer: those of the requirements file,
 * then the inline ones, with `ref` applied to the git requirement. Throws
 * when the file is missing (unless inline lines exist and the file path is
 * the default) or when no requirement is left.
 */
export async function readRequirementLines(
  input: RequirementsInput,
): Promise<string[]> {
  const relativePath = relative(input.workspaceRoot, input.requirementsFile);
  const lines: string[] = [];
  if (existsSync(input.requirementsFile)) {
    lines.push(
      ...requirementLines(await readFile(input.requirementsFile, 'utf8')),
    );
  } else if (input.requirementsFileSet || input.packages.length === 0) {
    throw new Error(
      `requirements file ${relativePath} not found; set the \`requirements\` ` +
        `option or "requirements" in ${input.configSource}, create the file, ` +
        'or list the requirements in the `packages` option',
    );
  }
  lines.push(...input.packages.map((line) => line.trim()).filter(Boolean));
  if (!lines.some(namesRequirements)) {
    throw new Error(
      `no requirements to install: ${relativePath} and the \`packages\` ` +
        'option list none; add the packages the layer should contain',
    );
  }
  return input.ref === undefined ? lines : applyGitRef(lines, input.ref);
}

/**
 * Returns true for a requirement line, or an option line that brings in
 * requirements (`-r`, `-e`), as opposed to options such as `--no-index`.
 */
function namesRequirements(line: string): boolean {
  return (
    !line.startsWith('-') ||
    /^(-r|--requirement|-e|--editable)(\s|=|$)/.test(line)
  );
}

/**
 * Replaces each requirement that names a workspace folder with a
 * `pyproject.toml` by a wheel built from it into `wheelDir`. pip would build
 * such a folder in an isolated environment, which needs setuptools and
 * wheel from an index, and `--only-binary=:all:` rejects it outright.
 * NOTE: only projects with a static `[project]` name and version and one
 * pure-Python package folder can be built this way.
 */
export async function buildLocalProjects(
  lines: string[],
  projectDir: string,
  wheelDir: string,
): Promise<string[]> {
  const result: string[] = [];
  for (const line of lines) {
    const folder = localProjectFolder(line, projectDir);
    if (!folder) {
      result.push(line);
      continue;
    }
    const wheel = await buildWheelFromProject(folder, wheelDir);
    const name = basename(wheel).split('-', 1)[0];
    result.push(`${name} @ file://${wheel}`);
  }
  return result;
}

function localProjectFolder(
  line: string,
  projectDir: string,
): string | undefined {
  if (!isPathRequirement(line) || line.includes('.whl')) {
    return undefined;
  }
  const path = line.startsWith('file:')
    ? fileURLToPath(line.split('#', 1)[0])
    : resolve(projectDir, line.split(/[\s#;]/, 1)[0]);
  const isProject =
    existsSync(path) &&
    statSync(path).isDirectory() &&
    existsSync(join(path, 'pyproject.toml'));
  return isProject ? path : undefined;
}

/**
 * Checks that a git requirement can be installed for a target platform:
 * pip's `--only-binary=:all:` rejects building it, so it must be in
 * `noDependencies`, whose pip run allows source builds.
 */
export function checkGitWithTarget(
  lines: string[],
  noDependencies: string[],
): void {
  const wanted = new Set(noDependencies.map(canonicalPackageName));
  const rejected = lines.filter((line) => {
    if (!isGitRequirement(line)) {
      return false;
    }
    const name = /[#&]egg=([\w.-]+)/.exec(line)?.[1] ?? line.split(/\s*@/)[0];
    return !wanted.has(canonicalPackageName(name));
  });
  if (rejected.length > 0) {
    throw new Error(
      `cannot build ${rejected.join(', ')} from git with the runtime option ` +
        'set, because pip builds no source with --only-binary=:all:; add its ' +
        'name to noDependencies (its dependencies then need their own lines)',
    );
  }
}

/**
 * Writes the requirements files of a build to `stagingDir` and returns the
 * pip runs: all lines in one run, or, when `noDependencies` names packages,
 * the others first and the named ones last with `--no-deps`, so their
 * pinned versions replace any other version the first run pulled in.
 */
export async function planPipRuns(
  lines: string[],
  noDependencies: string[],
  requirementsDir: string,
  stagingDir: string,
  source: string,
): Promise<PipRun[]> {
  const text = lines.join('\n');
  const split = splitRequirements(
    text,
    noDependencies,
    requirementsDir,
    source,
  );
  const runs: PipRun[] = [];
  if (split.hasRequirementsWithDependencies) {
    const file = join(stagingDir, 'requirements.txt');
    await writeFile(file, `${split.withDependencies.join('\n')}\n`);
    runs.push({ requirementsFile: file, noDependencies: false });
  }
  if (noDependencies.length > 0) {
    const file = join(stagingDir, 'requirements-no-deps.txt');
    await writeFile(file, `${split.withoutDependencies.join('\n')}\n`);
    runs.push({ requirementsFile: file, noDependencies: true });
  }
  return runs;
}
