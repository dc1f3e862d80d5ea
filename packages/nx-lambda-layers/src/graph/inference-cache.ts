import { hashArray, logger, type CreateNodesResult } from '@nx/devkit';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Projects = CreateNodesResult['projects'];

/**
 * Inferred projects by cache key (the hash of the options and of every file
 * inference read), kept in memory for the daemon and in a file under Nx's
 * workspace data folder for the next process. Nx deletes that folder on
 * `nx reset`.
 */
export class InferenceCache {
  private readonly entries = new Map<string, Projects>();
  private loadedFrom?: string;
  private changed = false;

  /**
   * Reads the cache file of these options, unless this process has already
   * read it. A missing or unreadable file leaves the cache as it is.
   */
  load(workspaceRoot: string, options: unknown): void {
    const path = cacheFilePath(workspaceRoot, options);
    if (this.loadedFrom === path) return;
    this.loadedFrom = path;
    this.entries.clear();
    if (!existsSync(path)) return;
    try {
      const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<
        string,
        Projects
      >;
      for (const [key, projects] of Object.entries(saved)) {
        this.entries.set(key, projects);
      }
    } catch (error) {
      logger.verbose(`nx-lambda-layers: ignoring cache ${path}: ${error}`);
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): Projects {
    return this.entries.get(key);
  }

  set(key: string, projects: Projects): void {
    this.entries.set(key, projects);
    this.changed = true;
  }

  /**
   * Writes the entries of `usedKeys` to the cache file, so entries of
   * deleted or changed files do not pile up. Writes nothing when no entry
   * was added since the last write.
   */
  save(usedKeys: Set<string>): void {
    if (!this.loadedFrom || !this.changed) return;
    const kept = [...this.entries].filter(([key]) => usedKeys.has(key));
    try {
      mkdirSync(join(this.loadedFrom, '..'), { recursive: true });
      writeFileSync(this.loadedFrom, JSON.stringify(Object.fromEntries(kept)));
      this.changed = false;
    } catch (error) {
      logger.verbose(
        `nx-lambda-layers: could not write cache ${this.loadedFrom}: ${error}`,
      );
    }
  }
}

/** Cache file of these options in Nx's workspace data folder. */
function cacheFilePath(workspaceRoot: string, options: unknown): string {
  const optionsHash = hashArray([JSON.stringify(options)]);
  return join(
    workspaceDataFolder(workspaceRoot),
    `nx-lambda-layers-${optionsHash}.hash`,
  );
}

/**
 * Returns the folder where Nx keeps workspace data, as Nx itself resolves
 * it (`NX_WORKSPACE_DATA_DIRECTORY`, shared data folders, `lerna.json`).
 * Nx 21 to 23 export the resolver from this module path, which is not a
 * public API, so `.nx/workspace-data` is the fallback.
 */
function workspaceDataFolder(workspaceRoot: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cacheDirectory = require('nx/src/utils/cache-directory') as {
      workspaceDataDirectoryForWorkspace(root: string): string;
    };
    return cacheDirectory.workspaceDataDirectoryForWorkspace(workspaceRoot);
  } catch {
    return join(workspaceRoot, '.nx', 'workspace-data');
  }
}
