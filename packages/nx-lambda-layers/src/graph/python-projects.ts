import { posix } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import {
  canonicalPackageName,
  requirementLines,
  requirementName,
} from '../lib/build/requirements';

/** File that makes a project folder a Python project. */
export const PYPROJECT_FILE = 'pyproject.toml';

/** Workspace Python projects, looked up by distribution name or folder. */
export interface PythonProjects {
  /** Project name by PEP 503 normalized `[project] name`. */
  byDistributionName: Map<string, string>;
  /** Project name by workspace-relative project root. */
  byRoot: Map<string, string>;
}

/**
 * Returns the `[project] name` of a `pyproject.toml`, or undefined when the
 * text is not valid TOML or names no project.
 */
export function pyprojectName(text: string): string | undefined {
  try {
    const document = parseToml(text) as { project?: { name?: unknown } };
    const name = document.project?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the workspace Python projects that a layer's requirements file
 * installs: a line that is a local path (`./libs/x`, `-e ../x`,
 * `file:../x`, `name @ file:../x`) whose folder is a Python project's root,
 * or a requirement whose name is a Python project's `[project] name`.
 * `requirementsFile` is workspace-relative; paths resolve from its folder,
 * as pip resolves them. Returns project names in first-use order.
 */
export function findInstalledPythonProjects(
  requirementsText: string,
  requirementsFile: string,
  projects: PythonProjects,
): string[] {
  const found = new Set<string>();
  const folder = posix.dirname(requirementsFile);
  for (const line of requirementLines(requirementsText)) {
    const path = localPathOf(line);
    const byPath =
      path === undefined
        ? undefined
        : projects.byRoot.get(posix.normalize(posix.join(folder, path)));
    const name = requirementName(line.replace(/^(-e|--editable)\s+/, ''));
    const byName =
      name === undefined
        ? undefined
        : projects.byDistributionName.get(canonicalPackageName(name));
    const project = byPath ?? byName;
    if (project) found.add(project);
  }
  return [...found];
}

/**
 * Returns the folder of a requirement that installs a relative local path,
 * without extras, `#egg=` or a trailing slash.
 * NOTE: absolute paths and `file:///` URLs are not matched to projects.
 */
function localPathOf(line: string): string | undefined {
  const target = line
    .replace(/^(-e|--editable)\s+/, '')
    .replace(/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*@\s*/, '')
    .replace(/^file:(\/\/)?/, '');
  if (!/^\.{1,2}(\/|$)/.test(target)) {
    return undefined;
  }
  const path = target.split(/[#\s;[]/, 1)[0].replace(/\/+$/, '');
  return path === '' ? '.' : path;
}

const INCLUDE_OPTION =
  /^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)$/;

/**
 * Returns the files that a requirements file includes with `-r` or `-c`,
 * workspace-relative, resolved from the including file's folder as pip
 * resolves them. URLs and absolute paths are left out.
 */
export function includedRequirementFiles(
  requirementsText: string,
  requirementsFile: string,
): string[] {
  const folder = posix.dirname(requirementsFile);
  const files: string[] = [];
  for (const line of requirementLines(requirementsText)) {
    const path = INCLUDE_OPTION.exec(line)?.[1];
    if (path && !path.includes('://') && !posix.isAbsolute(path)) {
      files.push(posix.normalize(posix.join(folder, path)));
    }
  }
  return files;
}
