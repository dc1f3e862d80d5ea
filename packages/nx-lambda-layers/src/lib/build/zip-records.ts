/**
 * Binary records of the zip format as PKWARE's APPNOTE.TXT defines them:
 * local file header, central directory header and end of central directory,
 * without Zip64 and without extra fields.
 */

export const ZIP_METHOD_STORE = 0;
export const ZIP_METHOD_DEFLATE = 8;

/**
 * Largest value of a 32-bit size or offset field; Zip64 would be needed at this
 * size.
 */
export const ZIP_MAX_32 = 0xffffffff;
/** Largest entry count of the end of central directory record. */
export const ZIP_MAX_ENTRIES = 0xffff;

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
/**
 * "Version made by": high byte 3 = UNIX, so readers apply the mode in the
 * external attributes.
 */
const VERSION_MADE_BY_UNIX = (3 << 8) | 20;
/** General purpose flag bit 11: the file name is UTF-8. */
const FLAG_UTF8_NAME = 0x0800;
const S_IFREG = 0o100000;

/** One zip member as it is written: name, method, CRC-32 and sizes. */
export interface ZipRecord {
  name: Buffer;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  mode: number;
  /** Offset of the local file header from the start of the zip. */
  offset: number;
}

/** MS-DOS date and time fields, packed as the zip headers store them. */
export interface DosDateTime {
  date: number;
  time: number;
}

/**
 * Converts a date to MS-DOS date and time fields in UTC, so the bytes do not
 * depend on the machine's time zone. MS-DOS times have 2-second resolution
 * and cover 1980 to 2107; dates outside that range are clamped to it.
 */
export function toDosDateTime(date: Date): DosDateTime {
  const year = date.getUTCFullYear();
  if (year < 1980) {
    return { date: (1 << 5) | 1, time: 0 };
  }
  if (year > 2107) {
    return {
      date: (127 << 9) | (12 << 5) | 31,
      time: (23 << 11) | (59 << 5) | 29,
    };
  }
  return {
    date:
      ((year - 1980) << 9) |
      ((date.getUTCMonth() + 1) << 5) |
      date.getUTCDate(),
    time:
      (date.getUTCHours() << 11) |
      (date.getUTCMinutes() << 5) |
      Math.floor(date.getUTCSeconds() / 2),
  };
}

function versionNeeded(method: number): number {
  return method === ZIP_METHOD_DEFLATE ? 20 : 10;
}

function flags(name: Buffer): number {
  return name.some((byte) => byte >= 0x80) ? FLAG_UTF8_NAME : 0;
}

/** Encodes the local file header that precedes a member's data. */
export function localFileHeader(record: ZipRecord, when: DosDateTime): Buffer {
  const header = Buffer.alloc(30 + record.name.length);
  header.writeUInt32LE(LOCAL_HEADER_SIGNATURE, 0);
  header.writeUInt16LE(versionNeeded(record.method), 4);
  header.writeUInt16LE(flags(record.name), 6);
  header.writeUInt16LE(record.method, 8);
  header.writeUInt16LE(when.time, 10);
  header.writeUInt16LE(when.date, 12);
  header.writeUInt32LE(record.crc32, 14);
  header.writeUInt32LE(record.compressedSize, 18);
  header.writeUInt32LE(record.uncompressedSize, 22);
  header.writeUInt16LE(record.name.length, 26);
  header.writeUInt16LE(0, 28);
  record.name.copy(header, 30);
  return header;
}

/**
 * Encodes a member's central directory header, with the UNIX mode in the
 * external attributes.
 */
export function centralDirectoryHeader(
  record: ZipRecord,
  when: DosDateTime,
): Buffer {
  const header = Buffer.alloc(46 + record.name.length);
  header.writeUInt32LE(CENTRAL_HEADER_SIGNATURE, 0);
  header.writeUInt16LE(VERSION_MADE_BY_UNIX, 4);
  header.writeUInt16LE(versionNeeded(record.method), 6);
  header.writeUInt16LE(flags(record.name), 8);
  header.writeUInt16LE(record.method, 10);
  header.writeUInt16LE(when.time, 12);
  header.writeUInt16LE(when.date, 14);
  header.writeUInt32LE(record.crc32, 16);
  header.writeUInt32LE(record.compressedSize, 20);
  header.writeUInt32LE(record.uncompressedSize, 24);
  header.writeUInt16LE(record.name.length, 28);
  // Extra field length, comment length, disk number and internal attributes
  // (offsets 30 to 37) stay zero.
  header.writeUInt32LE(((S_IFREG | (record.mode & 0o777)) << 16) >>> 0, 38);
  header.writeUInt32LE(record.offset, 42);
  record.name.copy(header, 46);
  return header;
}

/** Encodes the end of central directory record, with no archive comment. */
export function endOfCentralDirectory(
  entryCount: number,
  centralDirectorySize: number,
  centralDirectoryOffset: number,
): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(END_OF_CENTRAL_DIRECTORY_SIGNATURE, 0);
  record.writeUInt16LE(entryCount, 8);
  record.writeUInt16LE(entryCount, 10);
  record.writeUInt32LE(centralDirectorySize, 12);
  record.writeUInt32LE(centralDirectoryOffset, 16);
  return record;
}
