import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `value` as indented JSON to a temporary file beside `path` and
 * renames it over `path`, so a reader never sees a half-written file.
 */
export async function writeJsonFile(
  path: string,
  value: unknown,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tempFile = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tempFile, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await rename(tempFile, path);
  } catch (error) {
    await rm(tempFile, { force: true });
    throw error;
  }
}
