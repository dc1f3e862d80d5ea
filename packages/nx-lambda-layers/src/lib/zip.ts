import { createHash, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
import {
  collectFiles,
  compareEntryNames,
  type CollectOptions,
  type ZipFileEntry,
} from './build/collect-files';
import {
  centralDirectoryHeader,
  type DosDateTime,
  endOfCentralDirectory,
  localFileHeader,
  toDosDateTime,
  ZIP_MAX_32,
  ZIP_MAX_ENTRIES,
  ZIP_METHOD_DEFLATE,
  ZIP_METHOD_STORE,
  type ZipRecord,
} from './build/zip-records';

export { collectFiles };
export type { CollectOptions, ZipFileEntry };

/** Size and hashes of a written zip. */
export interface ZipResult {
  /** Size of the zip file in bytes. */
  zipBytes: number;
  /** Sum of the uncompressed sizes of the files, in bytes. */
  unzippedBytes: number;
  fileCount: number;
  /** SHA-256 of the zip bytes, hex. */
  sha256: string;
  /**
   * SHA-256 of the zip bytes, base64: the form Lambda reports as `CodeSha256`.
   */
  sha256Base64: string;
}

export interface WriteZipOptions {
  /** Modification time of every entry. @default reproducibleMtime() */
  mtime?: Date;
  /** zlib compression level, 0 (store only) to 9. @default 6 */
  level?: number;
}

const DEFAULT_LEVEL = 6;
/**
 * Files read and compressed ahead of the writer. zlib's asynchronous calls
 * run on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE sets
 * another size), so a few more than that keeps every thread busy.
 */
const MAX_FILES_IN_FLIGHT = 16;
/** Largest file `readFileSync` reads: 2 GiB - 1 bytes in Node.js 20. */
const MAX_FILE_BYTES = 2 ** 31 - 1;
/** Uncompressed bytes read ahead of the writer; a larger file is read alone. */
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** Output is buffered and written in chunks of about this many bytes. */
const WRITE_CHUNK_BYTES = 1024 * 1024;
/**
 * Names of files that are compressed already and are stored without trying
 * deflate, as Info-ZIP's `zip -n` does. On the benchmark tree (boto3,
 * requests, pymongo), deflating botocore's 940 `.json.gz` files took half
 * the compression time and saved 10 KB of 14.7 MB.
 */
const STORED_EXTENSION =
  /\.(gz|tgz|bz2|xz|lzma|zst|zip|whl|egg|jar|7z|png|jpe?g|gif|webp|woff2?)$/i;
/**
 * zlib keeps this many bytes of lookahead, so a match can reach back at most
 * the window size minus this (MAX_DIST in zlib's deflate.h).
 */
const MIN_LOOKAHEAD = 262;
/** MS-DOS timestamps start at 1980-01-01 00:00:00. */
const DOS_EPOCH = new Date(Date.UTC(1980, 0, 1));

const deflateRawAsync = promisify(deflateRaw);

/**
 * Returns zlib options for one file. The output buffer fits the whole
 * result, so each file takes one thread-pool job instead of one per 16 KiB
 * of output. The window is the smallest that fits the whole file (zlib
 * allows 2^9 to 2^15 bytes for raw deflate), which allocates less per call.
 */
function deflateOptions(size: number, level: number): ZlibOptions {
  const windowBits = Math.ceil(Math.log2(size + MIN_LOOKAHEAD));
  return {
    level,
    chunkSize: Math.max(64, size + (size >> 3) + (size >> 6) + 64),
    windowBits: Math.min(15, Math.max(9, windowBits)),
  };
}

/**
 * Returns the timestamp for zip entries: `SOURCE_DATE_EPOCH` (seconds since
 * 1970, the reproducible-builds.org convention) when set, else
 * 1980-01-01T00:00:00Z, the earliest time a zip can store.
 */
export function reproducibleMtime(env: NodeJS.ProcessEnv = process.env): Date {
  const value = env.SOURCE_DATE_EPOCH?.trim();
  if (!value) {
    return DOS_EPOCH;
  }
  if (!/^\d+$/.test(value)) {
    throw new Error(
      `invalid SOURCE_DATE_EPOCH ${JSON.stringify(value)}; ` +
        'set it to whole seconds since 1970-01-01T00:00:00Z or unset it',
    );
  }
  return new Date(Number(value) * 1000);
}

/**
 * Writes the files under `rootDir` to `outFile` as a reproducible zip. See
 * `collectFiles` for the entry names and `writeZip` for the format.
 */
export async function zipDirectory(
  rootDir: string,
  outFile: string,
  options: CollectOptions & WriteZipOptions = {},
): Promise<ZipResult> {
  const entries = await collectFiles(rootDir, options);
  return writeZip(entries, outFile, options);
}

/**
 * Writes `entries` to `outFile` as a zip whose bytes depend only on the
 * entry names, contents and modes: entries sorted by name, one fixed
 * timestamp, UNIX modes, no extra fields and no folder entries. Each file is
 * deflated, or stored when deflate does not make it smaller or when its
 * name ends in the extension of a compressed format such as `.gz`. The zip
 * is written to a temporary file beside `outFile` and renamed over it, so a
 * failure leaves the previous `outFile` in place.
 *
 * NOTE: deflate output depends on the zlib that Node.js bundles, so the
 * same files can give other bytes, and another hash, after a Node.js upgrade.
 */
export async function writeZip(
  entries: ZipFileEntry[],
  outFile: string,
  options: WriteZipOptions = {},
): Promise<ZipResult> {
  const sorted = checkEntries(entries);
  const level = checkLevel(options.level ?? DEFAULT_LEVEL);
  const when = toDosDateTime(options.mtime ?? reproducibleMtime());

  await mkdir(dirname(outFile), { recursive: true });
  const tempFile = `${outFile}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(tempFile, 'wx');
  try {
    const result = await writeArchive(handle, sorted, when, level);
    await handle.close();
    await rename(tempFile, outFile);
    return result;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tempFile, { force: true });
    throw error;
  }
}

function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new Error(
      `invalid zip compression level ${level}; use an integer from 0 to 9`,
    );
  }
  return level;
}

/**
 * Returns the entries sorted by name after checking the limits of a zip without
 * Zip64.
 */
function checkEntries(entries: ZipFileEntry[]): ZipFileEntry[] {
  if (entries.length > ZIP_MAX_ENTRIES) {
    throw new Error(
      `cannot zip ${entries.length} files: a zip without Zip64 contains at most ` +
        `${ZIP_MAX_ENTRIES}; remove files from the layer`,
    );
  }
  const sorted = [...entries].sort((a, b) => compareEntryNames(a.name, b.name));
  sorted.forEach((entry, index) => {
    checkEntry(entry);
    if (index > 0 && sorted[index - 1].name === entry.name) {
      throw new Error(
        `duplicate zip entry name ${entry.name} (from ${sorted[index - 1].source} ` +
          `and ${entry.source}); give each file its own name`,
      );
    }
  });
  return sorted;
}

function checkEntry(entry: ZipFileEntry): void {
  const segments = entry.name.split('/');
  if (
    entry.name.startsWith('/') ||
    segments.some((segment) => ['', '.', '..'].includes(segment)) ||
    Buffer.byteLength(entry.name) > 0xffff
  ) {
    throw new Error(
      `invalid zip entry name ${JSON.stringify(entry.name)} for ${entry.source}; ` +
        'use a relative POSIX path without empty, "." or ".." segments',
    );
  }
  if (entry.size >= ZIP_MAX_32) {
    throw new Error(
      `cannot zip ${entry.source}: ${entry.size} bytes is over the 4 GiB ` +
        'limit of a zip without Zip64',
    );
  }
  if (entry.size > MAX_FILE_BYTES) {
    throw new Error(
      `cannot zip ${entry.source}: ${entry.size} bytes is over 2 GiB, the ` +
        'largest file Node.js reads into one buffer; Lambda layers are ' +
        'limited to 250 MB unzipped, so leave the file out',
    );
  }
}

interface CompressedFile {
  entry: ZipFileEntry;
  method: number;
  crc32: number;
  data: Buffer;
}

async function compressFile(
  entry: ZipFileEntry,
  level: number,
): Promise<CompressedFile> {
  // A synchronous read costs a few system calls; fs.promises.readFile costs
  // several thread-pool round trips, which took 4 times as long on the
  // benchmark tree (tools/bench/zip-bench.ts).
  const data = readFileSync(entry.source);
  if (data.length !== entry.size) {
    throw new Error(
      `${entry.source} changed while it was zipped: expected ${entry.size} ` +
        `bytes, read ${data.length}; rerun when nothing writes to it`,
    );
  }
  const checksum = crc32(data);
  if (level > 0 && data.length > 0 && !STORED_EXTENSION.test(entry.name)) {
    const deflated = await deflateRawAsync(
      data,
      deflateOptions(data.length, level),
    );
    if (deflated.length < data.length) {
      return {
        entry,
        method: ZIP_METHOD_DEFLATE,
        crc32: checksum,
        data: deflated,
      };
    }
  }
  return { entry, method: ZIP_METHOD_STORE, crc32: checksum, data };
}

/**
 * Yields the entries compressed, in their order, while later files are read
 * and deflated on the thread pool, up to MAX_FILES_IN_FLIGHT files and
 * MAX_BYTES_IN_FLIGHT bytes ahead.
 */
async function* compressInOrder(
  entries: ZipFileEntry[],
  level: number,
): AsyncGenerator<CompressedFile> {
  const pending: Promise<CompressedFile>[] = [];
  let next = 0;
  let bytesInFlight = 0;
  while (next < entries.length || pending.length > 0) {
    while (
      next < entries.length &&
      pending.length < MAX_FILES_IN_FLIGHT &&
      (pending.length === 0 ||
        bytesInFlight + entries[next].size <= MAX_BYTES_IN_FLIGHT)
    ) {
      const task = compressFile(entries[next], level);
      // Each task is awaited in order below; this stops a later failure from
      // being reported as unhandled while an earlier file is awaited.
      task.catch(() => undefined);
      pending.push(task);
      bytesInFlight += entries[next].size;
      next += 1;
    }
    const file = await (pending.shift() as Promise<CompressedFile>);
    bytesInFlight -= file.entry.size;
    yield file;
  }
}

async function writeArchive(
  handle: FileHandle,
  entries: ZipFileEntry[],
  when: DosDateTime,
  level: number,
): Promise<ZipResult> {
  const output = new ZipOutput(handle);
  const records: ZipRecord[] = [];
  let unzippedBytes = 0;
  for await (const file of compressInOrder(entries, level)) {
    const record: ZipRecord = {
      name: Buffer.from(file.entry.name),
      method: file.method,
      crc32: file.crc32,
      compressedSize: file.data.length,
      uncompressedSize: file.entry.size,
      mode: file.entry.mode,
      offset: output.offset,
    };
    await output.write(localFileHeader(record, when), file.data);
    records.push(record);
    unzippedBytes += file.entry.size;
  }
  await writeCentralDirectory(output, records, when);
  return {
    zipBytes: output.offset,
    unzippedBytes,
    fileCount: records.length,
    ...output.digest(),
  };
}

async function writeCentralDirectory(
  output: ZipOutput,
  records: ZipRecord[],
  when: DosDateTime,
): Promise<void> {
  const start = output.offset;
  await output.write(
    ...records.map((record) => centralDirectoryHeader(record, when)),
  );
  await output.write(
    endOfCentralDirectory(records.length, output.offset - start, start),
  );
  await output.flush();
}

/** Buffered, hashed output that tracks the offset and the 4 GiB limit. */
class ZipOutput {
  offset = 0;
  private readonly hash = createHash('sha256');
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(private readonly handle: FileHandle) {}

  async write(...buffers: Buffer[]): Promise<void> {
    for (const buffer of buffers) {
      this.offset += buffer.length;
      this.hash.update(buffer);
      this.chunks.push(buffer);
      this.chunkBytes += buffer.length;
    }
    if (this.offset > ZIP_MAX_32) {
      throw new Error(
        'the zip would be over 4 GiB, the limit of a zip without Zip64; ' +
          'remove files from the layer',
      );
    }
    if (this.chunkBytes >= WRITE_CHUNK_BYTES) {
      await this.flush();
    }
  }

  async flush(): Promise<void> {
    const data = Buffer.concat(this.chunks, this.chunkBytes);
    this.chunks = [];
    this.chunkBytes = 0;
    let written = 0;
    while (written < data.length) {
      const result = await this.handle.write(data, written);
      written += result.bytesWritten;
    }
  }

  digest(): { sha256: string; sha256Base64: string } {
    const digest = this.hash.digest();
    return {
      sha256: digest.toString('hex'),
      sha256Base64: digest.toString('base64'),
    };
  }
}
