import {
  type Dirent,
  readdirSync,
  readlinkSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import { join, resolve, sep } from 'node:path';

/** One file to put in a zip. */
export interface ZipFileEntry {
  /** POSIX path inside the zip, without a leading slash. */
  name: string;
  /** Absolute path of the file on disk. */
  source: string;
  /** UNIX permission bits written to the zip: 0o644 or 0o755. */
  mode: number;
  /** File size in bytes when it was collected. */
  size: number;
}

export interface CollectOptions {
  /**
   * Text put before every entry name, such as `python/`; a missing trailing
   * slash is added.
   */
  prefix?: string;
  /**
   * Returns true for a path to leave out. It receives the POSIX path of every
   * file and folder relative to the root folder, without the prefix; an
   * excluded folder is not read.
   */
  exclude?: (relativePath: string) => boolean;
}

interface WalkContext {
  rootDir: string;
  realRoot: string;
  prefix: string;
  exclude: (relativePath: string) => boolean;
  entries: ZipFileEntry[];
}

/**
 * Compares entry names by their UTF-8 bytes, the order the zip is written in.
 */
export function compareEntryNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Lists the files under `rootDir` as zip entries, sorted by name. Modes are
 * normalized to 0o755 when any execute bit is set and 0o644 otherwise.
 * Symbolic links that resolve inside `rootDir` are followed and stored as
 * the files they point to; a link that resolves outside it is rejected.
 *
 * The walk uses synchronous calls because each asynchronous one costs a
 * thread-pool round trip: on the 2,610-file benchmark tree
 * (tools/bench/zip-bench.ts) they took about 150 ms against about 60 ms.
 */
export async function collectFiles(
  rootDir: string,
  options: CollectOptions = {},
): Promise<ZipFileEntry[]> {
  const root = resolve(rootDir);
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(`cannot read folder ${root} to zip it: ${code ?? message}`);
  }
  const prefix = options.prefix ?? '';
  const context: WalkContext = {
    rootDir: root,
    realRoot,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    exclude: options.exclude ?? (() => false),
    entries: [],
  };
  walk(context, root, realRoot, '', new Set([realRoot]));
  return context.entries.sort((a, b) => compareEntryNames(a.name, b.name));
}

/** Visits the children of `dir`, whose path with links resolved is `realDir`. */
function walk(
  context: WalkContext,
  dir: string,
  realDir: string,
  relativeDir: string,
  ancestors: Set<string>,
): void {
  for (const child of readdirSync(dir, { withFileTypes: true })) {
    const relativePath = relativeDir
      ? `${relativeDir}/${child.name}`
      : child.name;
    if (!context.exclude(relativePath)) {
      visit(context, child, { dir, realDir }, relativePath, ancestors);
    }
  }
}

function visit(
  context: WalkContext,
  child: Dirent,
  parent: { dir: string; realDir: string },
  relativePath: string,
  ancestors: Set<string>,
): void {
  const path = join(parent.dir, child.name);
  if (child.isSymbolicLink()) {
    return visitLink(context, path, relativePath, ancestors);
  }
  if (child.isDirectory()) {
    const realDir = join(parent.realDir, child.name);
    const inside = new Set([...ancestors, realDir]);
    return walk(context, path, realDir, relativePath, inside);
  }
  if (child.isFile()) {
    return addFile(context, path, relativePath, statSync(path));
  }
  throw new Error(
    `cannot zip ${path}: it is not a regular file, folder or symbolic link; ` +
      'remove it or exclude it',
  );
}

function visitLink(
  context: WalkContext,
  path: string,
  relativePath: string,
  ancestors: Set<string>,
): void {
  const target = readlinkSync(path);
  let resolved: string;
  try {
    resolved = realpathSync(path);
  } catch {
    throw new Error(
      `symbolic link ${path} -> ${target} points to a missing file; ` +
        'remove the link or create its target',
    );
  }
  if (
    resolved !== context.realRoot &&
    !resolved.startsWith(context.realRoot + sep)
  ) {
    throw new Error(
      `symbolic link ${path} -> ${target} points outside ${context.rootDir}; ` +
        'replace the link with a copy of its target or remove it',
    );
  }
  const stats = statSync(path);
  if (stats.isDirectory()) {
    if (ancestors.has(resolved)) {
      throw new Error(
        `symbolic link ${path} -> ${target} points to a folder that contains it, ` +
          'which would repeat forever; remove the link',
      );
    }
    const inside = new Set([...ancestors, resolved]);
    return walk(context, path, resolved, relativePath, inside);
  }
  if (!stats.isFile()) {
    throw new Error(
      `cannot zip ${path} -> ${target}: the target is not a regular file or folder`,
    );
  }
  addFile(context, path, relativePath, stats);
}

function addFile(
  context: WalkContext,
  path: string,
  relativePath: string,
  stats: Stats,
): void {
  context.entries.push({
    name: context.prefix + relativePath,
    source: path,
    mode: stats.mode & 0o111 ? 0o755 : 0o644,
    size: stats.size,
  });
}
