import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { collectFiles, zipDirectory } from './zip';

/** Contents of a pure-Python wheel. */
export interface WheelSpec {
  /** Distribution name as users write it in requirements, such as `my-lib`. */
  name: string;
  /** Version in PEP 440 normalized form, such as `1.2.0` or `2.0rc1`. */
  version: string;
  /** `Requires-Dist` lines: PEP 508 requirements such as `bson>=0.5`. */
  requires?: string[];
  /**
   * Files by POSIX path inside the wheel (`my_lib/__init__.py`), with their
   * contents.
   */
  files: Record<string, string | Buffer>;
  /**
   * Wheel tag, such as `cp312-cp312-manylinux_2_17_x86_64` for a wheel with
   * native code. @default 'py3-none-any'
   */
  tag?: string;
}

const PURE_TAG = 'py3-none-any';

/** PEP 508 distribution name. */
const NAME_PATTERN = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
/**
 * PEP 440 version in normalized form: epoch, release, pre, post, dev and local
 * parts.
 */
const VERSION_PATTERN =
  /^(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9]+(\.[a-z0-9]+)*)?$/;

function wheelFile(tag: string): string {
  return [
    'Wheel-Version: 1.0',
    'Generator: nx-lambda-layers',
    `Root-Is-Purelib: ${tag === PURE_TAG}`,
    `Tag: ${tag}`,
    '',
  ].join('\n');
}

/**
 * Returns the distribution name as wheel file names and `.dist-info`
 * folders spell it: runs of `-`, `_` and `.` become one `_`, lower case.
 */
export function wheelDistributionName(name: string): string {
  return name.replace(/[-_.]+/g, '_').toLowerCase();
}

/** Returns the wheel file name, such as `my_lib-1.2.0-py3-none-any.whl`. */
export function wheelFileName(
  name: string,
  version: string,
  tag = PURE_TAG,
): string {
  return `${wheelDistributionName(name)}-${version}-${tag}.whl`;
}

/**
 * Writes a wheel (pure-Python `py3-none-any` unless `spec.tag` names another
 * tag) to `outDir` and returns its path. The wheel contains `files` plus a
 * `.dist-info` folder with METADATA (Metadata-Version 2.1), WHEEL and
 * RECORD, and is reproducible.
 */
export async function buildWheel(
  spec: WheelSpec,
  outDir: string,
): Promise<string> {
  checkWheelSpec(spec);
  const distInfo = `${wheelDistributionName(spec.name)}-${spec.version}.dist-info`;
  const files: Record<string, string | Buffer> = {
    ...spec.files,
    [`${distInfo}/METADATA`]: metadataFile(spec),
    [`${distInfo}/WHEEL`]: wheelFile(spec.tag ?? PURE_TAG),
  };
  files[`${distInfo}/RECORD`] = recordFile(files, `${distInfo}/RECORD`);

  const staging = await mkdtemp(join(tmpdir(), 'nx-lambda-layers-wheel-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), content);
    }
    const wheelPath = join(
      outDir,
      wheelFileName(spec.name, spec.version, spec.tag),
    );
    await zipDirectory(staging, wheelPath);
    return wheelPath;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function checkWheelSpec(spec: WheelSpec): void {
  if (!NAME_PATTERN.test(spec.name)) {
    throw new Error(
      `invalid distribution name ${JSON.stringify(spec.name)}; use letters, ` +
        'digits, ".", "-" and "_", starting and ending with a letter or digit',
    );
  }
  if (!VERSION_PATTERN.test(spec.version)) {
    throw new Error(
      `invalid version ${JSON.stringify(spec.version)} of ${spec.name}; ` +
        'write it in PEP 440 normalized form, such as 1.2.0, 2.0rc1 or 1.0.post1',
    );
  }
  const distInfoPrefix = `${wheelDistributionName(spec.name)}-`;
  for (const path of Object.keys(spec.files)) {
    const segments = path.split('/');
    if (segments.some((segment) => ['', '.', '..'].includes(segment))) {
      throw new Error(
        `invalid wheel file path ${JSON.stringify(path)}; use a relative ` +
          'POSIX path without empty, "." or ".." segments',
      );
    }
    if (
      segments[0].startsWith(distInfoPrefix) &&
      segments[0].endsWith('.dist-info')
    ) {
      throw new Error(
        `wheel file ${path} is inside the .dist-info folder that buildWheel ` +
          'writes; remove it from files',
      );
    }
  }
}

function metadataFile(spec: WheelSpec): string {
  const lines = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.requires ?? []).map(
      (requirement) => `Requires-Dist: ${requirement}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Returns RECORD: one CSV row per file with its SHA-256 as URL-safe base64
 * without padding and its size in bytes; RECORD's own row has neither.
 */
function recordFile(
  files: Record<string, string | Buffer>,
  recordPath: string,
): string {
  const rows = Object.entries(files).map(([path, content]) => {
    const bytes = Buffer.from(content);
    const digest = createHash('sha256').update(bytes).digest('base64url');
    return [path, `sha256=${digest}`, String(bytes.length)];
  });
  rows.push([recordPath, '', '']);
  return rows.map((row) => `${row.map(csvField).join(',')}\n`).join('');
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Builds the wheel of a Python project folder from its `pyproject.toml`
 * (`[project]` name, version and dependencies) and returns the wheel path.
 * The import package is `src/<name>/` or `<name>/`, with the name's `-`
 * and `.` written as `_`; bytecode is left out.
 */
export async function buildWheelFromProject(
  projectDir: string,
  outDir: string,
): Promise<string> {
  const project = await readPyprojectProject(projectDir);
  const packageName = project.name.replace(/[-.]+/g, '_').toLowerCase();
  const candidates = [join('src', packageName), packageName];
  const packageDir = candidates.find((candidate) =>
    existsSync(join(projectDir, candidate)),
  );
  if (!packageDir) {
    throw new Error(
      `no package folder for ${project.name} in ${projectDir}: tried ` +
        `${candidates.join(' and ')}; move the package into one of them`,
    );
  }

  const entries = await collectFiles(join(projectDir, packageDir), {
    prefix: `${packageName}/`,
    exclude: (path) => /(^|\/)__pycache__$/.test(path) || path.endsWith('.pyc'),
  });
  const files: Record<string, Buffer> = {};
  for (const entry of entries) {
    files[entry.name] = await readFile(entry.source);
  }
  return buildWheel({ ...project, files }, outDir);
}

interface PyprojectProject {
  name: string;
  version: string;
  requires: string[];
}

async function readPyprojectProject(
  projectDir: string,
): Promise<PyprojectProject> {
  const path = join(projectDir, 'pyproject.toml');
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`${path} not found; create it with a [project] table`);
  });
  const project = (parseToml(text) as { project?: Record<string, unknown> })
    .project;
  if (
    typeof project?.name !== 'string' ||
    typeof project.version !== 'string'
  ) {
    throw new Error(
      `${path}: [project] must set name and version as strings ` +
        '(a dynamic version is not supported)',
    );
  }
  const dependencies = project.dependencies ?? [];
  if (
    !Array.isArray(dependencies) ||
    dependencies.some((item) => typeof item !== 'string')
  ) {
    throw new Error(
      `${path}: [project] dependencies must be a list of strings`,
    );
  }
  return {
    name: project.name,
    version: project.version,
    requires: dependencies,
  };
}
