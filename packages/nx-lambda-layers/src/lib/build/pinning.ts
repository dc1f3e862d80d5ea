import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { unpinnedRequirements } from './requirement-sources';
import {
  canonicalPackageName,
  isUrl,
  pathOptionOf,
  requirementLines,
  requirementName,
} from './requirements';

/** Nesting depth of `-r` files followed; pip itself has no limit. */
const MAX_INCLUDE_DEPTH = 10;

/**
 * Returns the requirements of `lines` that no version pins, also those of
 * files included with `-r`, at any depth. A requirement counts as pinned
 * when a constraints file (`-c`) pins its name with `==`, because pip then
 * installs only that version. `baseDir` is the folder that relative paths
 * in `lines` resolve from. Files that cannot be read are left to pip,
 * which reports them.
 */
export function findUnpinnedRequirements(
  lines: string[],
  baseDir: string,
): string[] {
  const requirements: string[] = [];
  const constrained = new Set<string>();
  collect(lines, baseDir, 0, new Set(), requirements, constrained);
  return unpinnedRequirements(requirements).filter((line) => {
    const name = requirementName(line);
    return !name || !constrained.has(canonicalPackageName(name));
  });
}

function collect(
  lines: string[],
  baseDir: string,
  depth: number,
  seen: Set<string>,
  requirements: string[],
  constrained: Set<string>,
): void {
  for (const line of lines) {
    const include = pathOptionOf(line);
    if (!include) {
      requirements.push(line);
      continue;
    }
    const { option, path } = include;
    if (isUrl(path)) continue;
    const file = isAbsolute(path) ? path : resolve(baseDir, path);
    const included = readLines(file, seen);
    if (!included) continue;
    if (option === '-c' || option === '--constraint') {
      for (const name of pinnedNames(included)) constrained.add(name);
    } else if (depth < MAX_INCLUDE_DEPTH) {
      const next = depth + 1;
      collect(included, dirname(file), next, seen, requirements, constrained);
    }
  }
}

/**
 * Reads a file's requirement lines. Returns undefined when the file was
 * read already or cannot be read.
 */
function readLines(file: string, seen: Set<string>): string[] | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  try {
    return requirementLines(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Names that constraint lines pin to one version. */
function pinnedNames(lines: string[]): string[] {
  const pinned = new Set(unpinnedRequirements(lines));
  return lines
    .filter((line) => !pinned.has(line) && !line.startsWith('-'))
    .map((line) => requirementName(line))
    .filter((name): name is string => name !== undefined)
    .map(canonicalPackageName);
}
