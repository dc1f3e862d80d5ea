import type { ZipFileEntry } from './collect-files';

/**
 * Lambda's limit on the unzipped size of a function and all its layers: the
 * error names 262144000 bytes (250 MiB).
 */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000;
/**
 * Largest zip that a PublishLayerVersion request can carry itself (50 MiB);
 * a larger one must be uploaded to S3 first.
 */
export const LAMBDA_DIRECT_UPLOAD_LIMIT_BYTES = 52_428_800;

/** Unzipped size of one top-level folder or file of the layer. */
export interface PackageSize {
  name: string;
  bytes: number;
}

/**
 * Returns the unzipped size of each top-level folder or file under
 * `prefix`, largest first: a package folder, a module or a `.dist-info`.
 */
export function packageSizes(
  entries: ZipFileEntry[],
  prefix: string,
): PackageSize[] {
  const sizes = new Map<string, number>();
  for (const entry of entries) {
    const name = entry.name.slice(prefix.length).split('/', 1)[0];
    sizes.set(name, (sizes.get(name) ?? 0) + entry.size);
  }
  return [...sizes]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
}

/**
 * Throws when the files to zip are larger unzipped than `limitBytes`,
 * naming the ten largest top-level folders with their sizes.
 */
export function checkUnzippedSize(
  entries: ZipFileEntry[],
  prefix: string,
  limitBytes = LAMBDA_UNZIPPED_LIMIT_BYTES,
): void {
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (total <= limitBytes) {
    return;
  }
  const largest = packageSizes(entries, prefix)
    .slice(0, 10)
    .map((item) => `${item.name} ${formatBytes(item.bytes)}`);
  throw new Error(
    `the layer is ${formatBytes(total)} unzipped, over Lambda's limit of ` +
      `${formatBytes(limitBytes)} for a function and all its layers; the ` +
      `largest packages are ${largest.join(', ')}. Remove requirements, ` +
      'split the layer, or leave files out with the exclude option',
  );
}

/** Formats a byte count as bytes and MiB, such as `1048576 bytes (1.0 MiB)`. */
export function formatBytes(bytes: number): string {
  const mebibytes = bytes / 1024 / 1024;
  return mebibytes < 0.1
    ? `${bytes} bytes`
    : `${bytes} bytes (${mebibytes.toFixed(1)} MiB)`;
}
