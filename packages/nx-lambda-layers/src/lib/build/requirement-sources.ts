import { requirementName } from './requirements';

/** A `git+` URL, with or without a `name @ ` prefix (PEP 508 direct reference). */
const GIT_URL = /(^|@\s*)git\+[a-z]+:\/\/\S+/i;
const FULL_COMMIT = /^[0-9a-f]{40}$/i;

/** Returns true for a requirement line that installs from a git repository. */
export function isGitRequirement(line: string): boolean {
  return !line.startsWith('-') && GIT_URL.test(line);
}

/** Returns true for a requirement line that names a local file or folder. */
export function isPathRequirement(line: string): boolean {
  return /^(\.{1,2}\/|\/|~|file:)/.test(line);
}

/**
 * Splits a git requirement into the text before the ref, the ref and the
 * text after it (`#egg=...`, markers). The ref is the part after the first
 * `@` in the URL's path, so a user in the authority (`git@github.com`) is
 * not taken for one.
 */
function splitGitUrl(line: string): {
  head: string;
  ref?: string;
  tail: string;
} {
  const start = line.indexOf('git+');
  const schemeEnd = line.indexOf('://', start) + 3;
  const pathStart = line.indexOf('/', schemeEnd);
  const end = line.slice(start).search(/[\s#]|$/) + start;
  const at = pathStart < 0 ? -1 : line.indexOf('@', pathStart);
  if (at < 0 || at > end) {
    return { head: line.slice(0, end), tail: line.slice(end) };
  }
  return {
    head: line.slice(0, at),
    ref: line.slice(at + 1, end),
    tail: line.slice(end),
  };
}

/**
 * Replaces the branch, tag or commit of the one git requirement in `lines`
 * with `ref`, as `nx run <layer>:build --ref=BRANCH` asks. Throws when no
 * line or more than one line installs from git.
 */
export function applyGitRef(lines: string[], ref: string): string[] {
  if (!/^[^\s#@]+$/.test(ref)) {
    throw new Error(
      `invalid ref ${JSON.stringify(ref)}; set it to a git branch, tag or commit`,
    );
  }
  const gitLines = lines.filter(isGitRequirement);
  if (gitLines.length !== 1) {
    const found =
      gitLines.length === 0 ? 'none installs' : `${gitLines.length} install`;
    throw new Error(
      `the ref option needs exactly one requirement from git, but ${found} ` +
        `from git (${gitLines.join(', ') || 'no git+ URL'}); add one line such as ` +
        '"git+https://github.com/org/repo.git@main#egg=name" or drop --ref',
    );
  }
  return lines.map((line) => {
    if (!isGitRequirement(line)) {
      return line;
    }
    const parts = splitGitUrl(line);
    return `${parts.head}@${ref}${parts.tail}`;
  });
}

/**
 * Returns the requirement lines that do not pin one version: a name without
 * `==` or `===` and an exact version, or a git URL without a full commit id.
 * Paths and other URLs count as pinned because their content is fixed by
 * the file they name.
 */
export function unpinnedRequirements(lines: string[]): string[] {
  return lines.filter((line) => {
    if (line.startsWith('-') || isPathRequirement(line)) {
      return false;
    }
    if (isGitRequirement(line)) {
      const ref = splitGitUrl(line).ref;
      return !ref || !FULL_COMMIT.test(ref);
    }
    if (/^\S+\s*@\s*\S+:\/\//.test(line) || /^[a-z]+:\/\//i.test(line)) {
      return false;
    }
    if (!requirementName(line)) {
      return false;
    }
    // Per-requirement options such as `--hash` follow the requirement.
    const requirement = line.split(/\s--?[a-z]/, 1)[0];
    const specifier = requirement.split(';', 1)[0].replace(/^[^=<>!~]*/, '');
    return !/^===?\s*[^\s,*]+\s*$/.test(specifier);
  });
}
