import { isAbsolute, resolve } from 'node:path';

/**
 * A requirements file split into the lines installed with and without
 * dependencies.
 */
export interface SplitRequirements {
  /** Lines for the pip run that resolves dependencies. */
  withDependencies: string[];
  /** Lines for the `--no-deps` run. */
  withoutDependencies: string[];
  /**
   * True when `withDependencies` names at least one requirement, not only
   * options.
   */
  hasRequirementsWithDependencies: boolean;
}

/**
 * Options that apply to every requirement in the file, so both runs need them.
 */
const GLOBAL_OPTIONS = [
  '-i',
  '--index-url',
  '--extra-index-url',
  '--no-index',
  '-f',
  '--find-links',
  '--pre',
  '--prefer-binary',
  '--only-binary',
  '--no-binary',
  '--trusted-host',
];
/**
 * Options whose value is a file path, resolved by pip from the requirements
 * file's folder.
 */
const PATH_OPTIONS = ['-r', '--requirement', '-c', '--constraint'];
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Returns a distribution name in PEP 503 normalized form: lower case, runs of
 * `-_.` as `-`.
 */
export function canonicalPackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * Returns the logical lines of a requirements file: continuation lines
 * joined, comments and blank lines removed.
 */
export function requirementLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, '')
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

/**
 * Returns the distribution name a requirement line installs: the PEP 508
 * name, or `#egg=` of a URL or path. Returns undefined for option lines and
 * for URLs and paths without `#egg=`.
 */
export function requirementName(line: string): string | undefined {
  if (line.startsWith('-')) {
    return undefined;
  }
  if (URL_PATTERN.test(line) || /^[./~]/.test(line)) {
    return /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
  }
  return /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(line)?.[0];
}

/**
 * Splits a requirements file for two pip runs: the requirements named in
 * `noDependencies` go to the `--no-deps` run and the rest to the other.
 * Global options such as `--index-url` and `-c` go to both runs. Paths of
 * `-r` and `-c` are made absolute because the split files live elsewhere.
 * NOTE: requirements inside a nested `-r` file are not split.
 */
export function splitRequirements(
  text: string,
  noDependencies: string[],
  requirementsDir: string,
  source: string,
): SplitRequirements {
  const wanted = new Set(noDependencies.map(canonicalPackageName));
  const found = new Set<string>();
  const split: SplitRequirements = {
    withDependencies: [],
    withoutDependencies: [],
    hasRequirementsWithDependencies: false,
  };
  for (const line of requirementLines(text)) {
    const option = line.split(/[\s=]/, 1)[0];
    const name = requirementName(line);
    if (line.startsWith('-')) {
      const absolute = absolutizePathOption(line, requirementsDir);
      split.withDependencies.push(absolute);
      if (
        GLOBAL_OPTIONS.includes(option) ||
        ['-c', '--constraint'].includes(option)
      ) {
        split.withoutDependencies.push(absolute);
      }
      split.hasRequirementsWithDependencies ||= [
        '-r',
        '--requirement',
        '-e',
        '--editable',
      ].includes(option);
    } else if (name && wanted.has(canonicalPackageName(name))) {
      found.add(canonicalPackageName(name));
      split.withoutDependencies.push(line);
    } else {
      split.withDependencies.push(line);
      split.hasRequirementsWithDependencies = true;
    }
  }
  checkAllFound(noDependencies, found, source);
  return split;
}

function checkAllFound(
  noDependencies: string[],
  found: Set<string>,
  source: string,
): void {
  const missing = noDependencies.filter(
    (name) => !found.has(canonicalPackageName(name)),
  );
  if (missing.length > 0) {
    throw new Error(
      `noDependencies names ${missing.join(', ')}, which ${source} does not ` +
        'list; add the requirement to the file or remove the name from noDependencies',
    );
  }
}

/**
 * Returns the option and path of an include line (`-r FILE`,
 * `--constraint=FILE`, ...), or undefined for other lines.
 */
export function pathOptionOf(
  line: string,
): { option: string; path: string } | undefined {
  const match = /^(-r|--requirement|-c|--constraint)(\s+|=)(\S+)$/.exec(line);
  if (!match || !PATH_OPTIONS.includes(match[1])) {
    return undefined;
  }
  return { option: match[1], path: match[3] };
}

/** True for a path option's value that is a URL, which pip downloads. */
export function isUrl(path: string): boolean {
  return URL_PATTERN.test(path);
}

function absolutizePathOption(line: string, requirementsDir: string): string {
  const include = pathOptionOf(line);
  if (!include || isUrl(include.path) || isAbsolute(include.path)) {
    return line;
  }
  return `${include.option} ${resolve(requirementsDir, include.path)}`;
}
