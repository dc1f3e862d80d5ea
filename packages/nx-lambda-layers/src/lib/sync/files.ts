import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
  open,
  rename,
  writeSync,
} from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { isProcessRunning } from './lock';

/** File extensions that may hold a CloudFormation or SAM template. */
export const TEMPLATE_EXTENSIONS = new Set([
  '.yaml',
  '.yml',
  '.json',
  '.template',
]);

/** SAM CLI configuration, whose `parameter_overrides` may hold layer ARNs. */
export const SAM_CONFIG_FILE = 'samconfig.toml';

function isSyncedFileName(name: string): boolean {
  return (
    name === SAM_CONFIG_FILE ||
    TEMPLATE_EXTENSIONS.has(extname(name).toLowerCase())
  );
}

/** Folders never searched: dependencies, build output and tool state. */
const SKIPPED_FOLDERS = new Set([
  'node_modules',
  'dist',
  'tmp',
  '.git',
  '.nx',
  '.aws-sam',
  '.venv',
  'venv',
  '__pycache__',
]);

/** A file found by the search, with its path relative to the workspace. */
export interface FoundFile {
  /** Workspace-relative path with `/` separators, for messages. */
  path: string;
  /** Absolute path of the file itself, symlinks resolved. */
  absolutePath: string;
}

export interface FileSearch {
  files: FoundFile[];
  /**
   * Files left out, with the reason, workspace-relative: symlinks not
   * followed and temporary files left by an interrupted run.
   */
  skipped: Array<{ path: string; reason: string }>;
}

/**
 * Lists the files with a template extension under `folders` (relative to
 * `workspaceRoot`), sorted by path. Folders named in `SKIPPED_FOLDERS` and
 * hidden folders are not searched. A symlink is followed only when it
 * leads to a file inside the workspace, and then listed once under its
 * target, so a rewrite never leaves the workspace.
 *
 * The search uses synchronous calls: directory entries are usually in the
 * kernel's cache, and in tools/bench/sync-versions-bench.ts's tree of 1,100
 * folders a synchronous walk took about 10 ms against 15 to 25 ms with the
 * promise API (shared 2-CPU VM).
 */
export async function findTemplateFiles(
  workspaceRoot: string,
  folders: string[],
): Promise<FileSearch> {
  const root = realpathSync.native(workspaceRoot);
  const search: FileSearch = { files: [], skipped: [] };
  const seen = new Set<string>();
  for (const folder of folders) {
    walkFolder(root, join(root, folder), search, seen);
  }
  search.files.sort((a, b) => compareText(a.path, b.path));
  search.skipped.sort((a, b) => compareText(a.path, b.path));
  return search;
}

function walkFolder(
  root: string,
  folder: string,
  search: FileSearch,
  seen: Set<string>,
): void {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    // Concatenation, not join(): the folder is already normalized, and
    // join() was a tenth of the walk's time.
    const path = childPath(folder, entry.name);
    if (entry.isDirectory()) {
      if (isSearchedFolderName(entry.name)) {
        walkFolder(root, path, search, seen);
      }
      continue;
    }
    // A FIFO or socket with a template name would block the read.
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    if (entry.name.includes('.tmp-') && isLeftTempFile(entry.name)) {
      search.skipped.push({
        path: toWorkspacePath(root, path),
        reason:
          'temporary file left by an interrupted sync-versions; delete it',
      });
      continue;
    }
    if (!isSyncedFileName(entry.name)) {
      if (entry.isSymbolicLink() && isSearchedFolderName(entry.name)) {
        reportFolderLinkOutside(root, path, search);
      }
      continue;
    }
    const found = entry.isSymbolicLink()
      ? followSymlink(root, path, search)
      : { path: toWorkspacePath(root, path), absolutePath: path };
    if (found && !seen.has(found.absolutePath)) {
      seen.add(found.absolutePath);
      search.files.push(found);
    }
  }
}

/** Name of a temporary file of `tempFileFor`, with its process id. */
const TEMP_FILE_NAME = /\.tmp-(\d+)-[0-9a-f]{8}-\d+$/;

/** True for a temporary file whose process has ended. */
function isLeftTempFile(name: string): boolean {
  const pid = TEMP_FILE_NAME.exec(name)?.[1];
  return pid !== undefined && !isProcessRunning(Number(pid));
}

function isSearchedFolderName(name: string): boolean {
  return !SKIPPED_FOLDERS.has(name) && !name.startsWith('.');
}

/**
 * Records a symlink to a folder outside the workspace, which the search
 * does not follow. A symlink to a folder inside is not followed either,
 * but needs no report: the search reaches that folder by its own path when
 * it is in scope.
 */
function reportFolderLinkOutside(
  root: string,
  path: string,
  search: FileSearch,
): void {
  let target: string;
  try {
    target = realpathSync.native(path);
  } catch {
    return;
  }
  if (isInside(root, target) || !statSync(target).isDirectory()) return;
  search.skipped.push({
    path: toWorkspacePath(root, path),
    reason: `symlink leads outside the workspace, to ${target}; not followed`,
  });
}

/** Resolves a symlink to a file inside the workspace, or records why not. */
function followSymlink(
  root: string,
  path: string,
  search: FileSearch,
): FoundFile | undefined {
  const link = toWorkspacePath(root, path);
  let target: string;
  try {
    target = realpathSync.native(path);
  } catch {
    search.skipped.push({ path: link, reason: 'symlink target not found' });
    return undefined;
  }
  if (!isInside(root, target)) {
    search.skipped.push({
      path: link,
      reason: `symlink leads outside the workspace, to ${target}; not followed`,
    });
    return undefined;
  }
  if (!statSync(target).isFile()) {
    return undefined;
  }
  return { path: toWorkspacePath(root, target), absolutePath: target };
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

function childPath(folder: string, name: string): string {
  return folder.endsWith(sep) ? folder + name : folder + sep + name;
}

function toWorkspacePath(root: string, path: string): string {
  const inside = path.startsWith(root + sep)
    ? path.slice(root.length + 1)
    : relative(root, path);
  return sep === '/' ? inside : inside.split(sep).join('/');
}

/** A file whose bytes are not valid UTF-8. */
export class NotUtf8Error extends Error {
  override name = 'NotUtf8Error';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/*
 * Reads are synchronous because a template is small and usually in the
 * page cache, so a read costs less than a trip through the libuv thread
 * pool. The costly steps of a write, creating the temporary file and
 * renaming it, are asynchronous, so that several run at once in the
 * thread pool. These costs were measured per file with synchronous calls
 * (500 files, ext4 without a journal mounted with `discard`, 2-CPU VM, no
 * inode freed in the last minute). Creating the temporary file took about
 * 0.07 ms, writing and closing it 0.01 ms, `chmod` 0.008 ms and the
 * rename over the old file 0.13 ms, half of it waiting rather than on the
 * CPU.
 */

/** Text of a file and the stats taken from its open descriptor. */
export interface TextFile {
  text: string;
  stats: Stats;
}

/**
 * Reads a file as UTF-8 text, keeping a byte order mark as U+FEFF so that
 * writing the text back restores the same bytes. Rejects invalid UTF-8.
 * The stats come from `fstat` on the descriptor that is read, which
 * `readFileSync` calls anyway, so they cost no extra system call.
 */
export function readTextFile(path: string, name: string): TextFile {
  const fd = openForReading(path, name);
  let stats: Stats;
  let bytes: Buffer;
  try {
    stats = fstatSync(fd);
    bytes = readAll(fd, stats.size);
  } finally {
    closeSync(fd);
  }
  try {
    return { text: UTF8.decode(bytes), stats };
  } catch {
    throw new NotUtf8Error(
      `${name} is not valid UTF-8 text; save it as UTF-8 to sync it`,
    );
  }
}

function openForReading(path: string, name: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `${name} not found: it was deleted after the search; run ` +
          'sync-versions again',
      );
    }
    if (code === 'EACCES') {
      throw new Error(
        `${name} is not readable by this user; make it readable ` +
          '(chmod u+r) to sync it',
      );
    }
    throw error;
  }
}

/**
 * Reads `size` bytes, or up to the end of the file when it is shorter, as
 * `readFileSync` does. A size of 0 may be unknown (procfs), so then the
 * file is read in chunks until the end.
 */
function readAll(fd: number, size: number): Buffer {
  if (size === 0) {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks);
      chunks.push(chunk.subarray(0, bytesRead));
    }
  }
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const bytesRead = readSync(fd, buffer, offset, size - offset, null);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}

/**
 * Replaces a file's content by writing a temporary file beside it and
 * renaming it over the file, so a reader or an interrupted run finds the
 * old or the new content, never part of it. The file's mode is kept. A
 * file without write permission is rejected, although the rename alone
 * would succeed, because its owner marked it as not to be changed.
 * `statsAtRead`, such as those from `readTextFile`, are compared with a
 * new `lstat`. A file that was deleted, replaced, edited or made
 * read-only since that read is rejected, so it is neither overwritten nor
 * recreated.
 */
export async function replaceFileContent(
  path: string,
  text: string,
  name: string,
  write: WriteText = writeText,
  statsAtRead?: Stats,
): Promise<void> {
  const stats = lstatUnlessDeleted(path, name, statsAtRead);
  if (!isWritable(stats)) {
    throw new Error(
      `${name} is read-only; make it writable (chmod u+w) to sync it`,
    );
  }
  if (statsAtRead && changedSince(statsAtRead, stats)) {
    throw new Error(
      `${name} changed after it was read; it was not written, ` +
        'run sync-versions again',
    );
  }
  // NOTE: a change by another program between this lstat and the rename
  // below is still overwritten. sync-versions runs exclude each other
  // (lock.ts), but editors take no lock.
  const owner = { uid: stats.uid, gid: stats.gid };
  try {
    await writeThroughTempFile(path, text, stats.mode & 0o7777, write, owner);
  } catch (error) {
    if (!(error instanceof OwnerNotKeptError)) throw error;
    throw new Error(
      `${name} belongs to user ${owner.uid} and group ${owner.gid}, which ` +
        'a rewrite by this user cannot keep; it was not written, run ' +
        "sync-versions as the file's owner or as root",
    );
  }
}

/**
 * Takes the file's stats with a synchronous `lstat`, which costs a few
 * microseconds. An `lstat` in the thread pool made a run of
 * tools/bench/sync-versions-bench.ts (500 changed files, 2-CPU VM) take
 * about 1.4 times as long.
 */
function lstatUnlessDeleted(
  path: string,
  name: string,
  statsAtRead: Stats | undefined,
): Stats {
  try {
    return lstatSync(path);
  } catch (error) {
    if (statsAtRead && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${name} was deleted after it was read; it was not written`,
      );
    }
    throw error;
  }
}

/**
 * True when the file was replaced, edited or had its mode changed. The
 * change time catches an edit that kept the size and set the old
 * modification time back, as `touch -r` or `cp -p` do.
 */
function changedSince(before: Stats, after: Stats): boolean {
  return (
    before.ino !== after.ino ||
    before.dev !== after.dev ||
    before.size !== after.size ||
    before.mtimeMs !== after.mtimeMs ||
    before.ctimeMs !== after.ctimeMs ||
    before.mode !== after.mode
  );
}

/** User id of this process, read once: a call for each of 500 files cost about 1 ms. */
const PROCESS_UID = process.getuid?.();

/**
 * True when the mode bits let this process write the file. Root may write
 * any file, but a file without any write bit is taken as read-only for
 * root too.
 */
function isWritable(stats: Stats): boolean {
  const uid = PROCESS_UID;
  if (uid === undefined || uid === 0) return (stats.mode & 0o222) !== 0;
  if (stats.uid === uid) return (stats.mode & 0o200) !== 0;
  if (process.getgroups?.().includes(stats.gid)) {
    return (stats.mode & 0o020) !== 0;
  }
  return (stats.mode & 0o002) !== 0;
}

/** User and group ids that a rewritten file keeps. */
export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * Function that creates a file that must not exist yet, with `text`,
 * `mode` and, when given, `owner`. Tests replace it to inject a failure.
 */
export type WriteText = (
  path: string,
  text: string,
  mode: number,
  owner?: FileOwner,
) => Promise<void> | void;

/** The new file could not be given the owner of the file it replaces. */
class OwnerNotKeptError extends Error {
  override name = 'OwnerNotKeptError';
}

const openAsync = promisify(open);
const renameAsync = promisify(rename);

/**
 * Creates the file in the thread pool, where the creation's kernel work
 * runs beside other writes, then writes, fixes the mode and closes it
 * with synchronous calls on the open descriptor. A template is small, so
 * those three calls cost a few microseconds, less than a trip through the
 * thread pool each. `writeFile` and `chmod` took four trips, and made the
 * writes of tools/bench/sync-versions-bench.ts (500 files, 2-CPU VM) take
 * about 1.2 times as long.
 */
const writeText: WriteText = async (path, text, mode, owner) => {
  const fd = await openAsync(path, 'wx', mode);
  try {
    writeAll(fd, Buffer.from(text, 'utf8'));
    const stats = fstatSync(fd);
    const newOwner =
      owner !== undefined &&
      (stats.uid !== owner.uid || stats.gid !== owner.gid);
    if (newOwner) changeOwner(fd, owner);
    // The umask, or a default ACL of the folder, may have narrowed the
    // mode given to open(), and chown clears the set-id bits. fstat shows
    // the mode the file got, so chmod runs only when needed.
    if (newOwner || (stats.mode & 0o7777) !== mode) fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
};

function changeOwner(fd: number, owner: FileOwner): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    throw new OwnerNotKeptError(
      `user ${owner.uid} and group ${owner.gid} could not be kept`,
    );
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += writeSync(fd, bytes, offset, bytes.length - offset);
  }
}

/**
 * Writes `text` to `path` through a temporary file beside it and a rename,
 * creating the folder first. When the write fails, the temporary file is
 * removed and `path` keeps its old content.
 */
export async function writeFileAtomically(
  path: string,
  text: string,
  mode = 0o644,
  write: WriteText = writeText,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeThroughTempFile(path, text, mode, write);
}

/*
 * A temporary file's name ends in the process id, a random tag drawn once
 * per process and a counter. The pid and counter keep names apart across
 * live processes. The tag keeps a later process that reuses a pid, as a
 * container's first process often does, from colliding with a file left
 * by a process that was killed mid-write.
 */
const TEMP_TAG = `${process.pid}-${randomBytes(4).toString('hex')}`;
let tempCount = 0;

/** `writeFileAtomically` for a path whose folder exists. */
async function writeThroughTempFile(
  path: string,
  text: string,
  mode: number,
  write: WriteText,
  owner?: FileOwner,
): Promise<void> {
  const tempFile = tempFileFor(path);
  try {
    await write(tempFile, text, mode, owner);
    await renameAsync(tempFile, path);
  } catch (error) {
    // A failed cleanup must not hide the error that made it necessary.
    await rm(tempFile, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Maximum file name length, in bytes, on ext4, APFS and most other file systems. */
const MAX_NAME_BYTES = 255;

/**
 * Returns a temporary file name beside `path`: the file's own name with a
 * suffix, or a hidden short name when that would be too long.
 */
function tempFileFor(path: string): string {
  const suffix = `.tmp-${TEMP_TAG}-${tempCount++}`;
  const name = basename(path);
  if (Buffer.byteLength(name) + suffix.length <= MAX_NAME_BYTES) {
    return path + suffix;
  }
  return join(dirname(path), suffix);
}
