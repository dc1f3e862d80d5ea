import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstalledPackage, NativeExtension } from '../manifest';
import type { ZipFileEntry } from './collect-files';

/**
 * Where an installed distribution came from, per its `direct_url.json` (PEP
 * 610).
 */
export interface PackageSource {
  name: string;
  url: string;
  /** Version control system, such as `git`, for a VCS install. */
  vcs?: string;
  /** Commit the VCS install resolved to. */
  commitId?: string;
  /** Branch, tag or commit the requirement asked for. */
  requestedRevision?: string;
}

/** Distributions found in a pip `--target` folder. */
export interface InstalledDistributions {
  /** Sorted by PEP 503 normalized name. */
  packages: InstalledPackage[];
  /** Only for distributions installed from a URL, a path or a VCS. */
  sources: PackageSource[];
  /** Native extensions that a distribution's RECORD lists, sorted by path. */
  extensions: InstalledExtension[];
}

/** A `.so` file listed in the RECORD of an installed distribution. */
export interface InstalledExtension {
  /** POSIX path relative to the `--target` folder. */
  path: string;
  package: string;
  /** `Tag` lines of the distribution's WHEEL file. */
  tags: string[];
}

/** File names of native extension modules and shared libraries. */
export const NATIVE_EXTENSION = /\.so(\.[0-9.]+)?$/;

/**
 * Files of a `.dist-info` folder that pip writes at install time. They hold
 * absolute paths, hashes of bytecode, the installer name or the request, so
 * they differ between machines and runs; the installed code works without them.
 */
const INSTALL_RECORD_FILES = [
  'RECORD',
  'INSTALLER',
  'REQUESTED',
  'direct_url.json',
];

/**
 * Reads the installed distributions of a pip `--target` folder, then removes
 * what would make the layer differ between builds of the same requirements:
 * `__pycache__` folders, `*.pyc` files, the install records of each
 * `.dist-info` and `bin/`. Console scripts in `bin/` name the build
 * machine's Python interpreter in their first line, and Lambda puts
 * `/opt/bin`, not `/opt/python/bin`, on PATH, so they would not run anyway.
 */
export async function stripInstalledTree(
  targetDir: string,
): Promise<InstalledDistributions> {
  const distInfoDirs = (await readdir(targetDir))
    .filter((name) => name.endsWith('.dist-info'))
    .map((name) => join(targetDir, name));
  const found = await Promise.all(distInfoDirs.map(readDistInfo));
  for (const distInfoDir of distInfoDirs) {
    for (const file of INSTALL_RECORD_FILES) {
      await rm(join(distInfoDir, file), { force: true });
    }
  }
  await rm(join(targetDir, 'bin'), { recursive: true, force: true });
  await removeBytecode(targetDir);
  return {
    packages: found
      .map((item) => item.package)
      .sort((a, b) => compareNames(a.name, b.name)),
    sources: found.flatMap((item) => (item.source ? [item.source] : [])),
    extensions: found
      .flatMap((item) => item.extensions)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

function compareNames(a: string, b: string): number {
  const left = a.toLowerCase().replace(/[-_.]+/g, '-');
  const right = b.toLowerCase().replace(/[-_.]+/g, '-');
  return left < right ? -1 : left > right ? 1 : 0;
}

interface DistInfo {
  package: InstalledPackage;
  source?: PackageSource;
  extensions: InstalledExtension[];
}

async function readDistInfo(distInfoDir: string): Promise<DistInfo> {
  const metadataFile = join(distInfoDir, 'METADATA');
  const headers = parseMetadataHeaders(await readFile(metadataFile, 'utf8'));
  const name = headers.get('name');
  const version = headers.get('version');
  if (!name || !version) {
    throw new Error(
      `${metadataFile} has no Name or Version header; reinstall the package ` +
        'or remove it from the requirements',
    );
  }
  const source = await readDirectUrl(
    join(distInfoDir, 'direct_url.json'),
    name,
  );
  return {
    package: { name, version },
    source,
    extensions: await readExtensions(distInfoDir, name),
  };
}

/**
 * Reads the `.so` paths of a distribution's RECORD, which lists every
 * installed file relative to the `--target` folder, with the wheel tags of
 * its WHEEL file. RECORD and WHEEL are read before the install records are
 * removed.
 */
async function readExtensions(
  distInfoDir: string,
  name: string,
): Promise<InstalledExtension[]> {
  const record = await readFile(join(distInfoDir, 'RECORD'), 'utf8').catch(
    () => '',
  );
  const paths = record
    .split(/\r?\n/)
    .map((line) => recordPath(line))
    .filter((path) => NATIVE_EXTENSION.test(path));
  if (paths.length === 0) {
    return [];
  }
  const wheel = await readFile(join(distInfoDir, 'WHEEL'), 'utf8').catch(
    () => '',
  );
  const tags = [...wheel.matchAll(/^Tag:\s*(\S+)\s*$/gm)].map((m) => m[1]);
  return paths.map((path) => ({ path, package: name, tags }));
}

/** Returns the path column of a RECORD line, which is CSV. */
function recordPath(line: string): string {
  if (!line.startsWith('"')) {
    return line.split(',', 1)[0];
  }
  const end = line.indexOf('",');
  return line.slice(1, end < 0 ? undefined : end).replace(/""/g, '"');
}

/**
 * Returns the first value of each header of a core metadata file, by lower-case
 * name.
 */
export function parseMetadataHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '') {
      break;
    }
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (match && !headers.has(match[1].toLowerCase())) {
      headers.set(match[1].toLowerCase(), match[2].trim());
    }
  }
  return headers;
}

async function readDirectUrl(
  path: string,
  name: string,
): Promise<PackageSource | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const data = JSON.parse(text) as {
    url: string;
    vcs_info?: { vcs: string; commit_id: string; requested_revision?: string };
  };
  return {
    name,
    url: data.url,
    vcs: data.vcs_info?.vcs,
    commitId: data.vcs_info?.commit_id,
    requestedRevision: data.vcs_info?.requested_revision,
  };
}

async function removeBytecode(dir: string): Promise<void> {
  const children = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    children.map(async (child) => {
      const path = join(dir, child.name);
      if (child.isDirectory() && child.name === '__pycache__') {
        await rm(path, { recursive: true, force: true });
      } else if (child.isDirectory()) {
        await removeBytecode(path);
      } else if (child.name.endsWith('.pyc')) {
        await rm(path, { force: true });
      }
    }),
  );
}

/**
 * Lists every `.so` in the zip with the wheel tags of the distribution whose
 * RECORD names it. A file that no RECORD names gets no package and no tags.
 */
export function nativeExtensions(
  installed: InstalledDistributions,
  entries: ZipFileEntry[],
  prefix: string,
): NativeExtension[] {
  const byPath = new Map(
    installed.extensions.map((item) => [prefix + item.path, item]),
  );
  return entries
    .filter((entry) => NATIVE_EXTENSION.test(entry.name))
    .map((entry) => {
      const found = byPath.get(entry.name);
      return found
        ? { path: entry.name, package: found.package, tags: found.tags }
        : { path: entry.name, tags: [] };
    });
}
