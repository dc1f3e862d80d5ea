import type { Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { findLayerReferences } from '../layer-refs';
import type { LayerConfig } from '../layer-config';
import {
  isCloudFormationTemplate,
  parseTemplate,
  TemplateParseError,
  topLevelValueOf,
} from '../template';
import { unifiedDiff } from './diff';
import {
  type FoundFile,
  readTextFile,
  SAM_CONFIG_FILE,
  replaceFileContent,
  writeFileAtomically,
} from './files';
import {
  renderReferences,
  type RenderedTemplate,
  type SkippedReference,
  type VersionChange,
} from './render';
import { relocateLocalPaths } from './relocate-paths';
import { renderSamConfigVersions } from './samconfig-overrides';
import { migrateToSsm } from './to-ssm';
import { findSyncWarnings, type SyncWarning } from './warnings';

/**
 * Action of a sync on the files:
 * - `write`: rewrites stale version tokens in place;
 * - `check`: changes nothing and lists the stale tokens;
 * - `dry-run`: changes nothing and returns a diff of each file;
 * - `render`: writes each synced file under `renderDir`, sources unchanged.
 */
export type SyncMode = 'write' | 'check' | 'dry-run' | 'render';

export interface SyncOptions {
  workspaceRoot: string;
  /** Layers to sync, each with the version its references should have. */
  versions: Map<string, number>;
  /** Every layer of the workspace, so other layers' references are known. */
  layers: LayerConfig[];
  mode: SyncMode;
  /** Output folder of `render`, relative to the workspace. @default 'dist' */
  renderDir?: string;
  /** Rewrite ARN references into SSM parameters instead of syncing them. */
  toSsm?: boolean;
}

/**
 * Outcome for one file. `unrelated`: the file does not mention a synced
 * layer and was not parsed.
 */
export type FileStatus =
  | 'unrelated'
  | 'changed'
  | 'unchanged'
  | 'stale'
  | 'rendered'
  | 'not-a-template'
  | 'error';

export interface FileSyncResult {
  /** Workspace-relative path. */
  path: string;
  status: FileStatus;
  /** Version tokens changed, or that `check` found stale. */
  changes: VersionChange[];
  skipped: SkippedReference[];
  warnings: SyncWarning[];
  /** Number of references to the synced layers. */
  referenceCount: number;
  /** For `error`: what failed and what to do. */
  error?: string;
  /** For `dry-run`: a unified diff, empty when nothing would change. */
  diff?: string;
  /** For `render`: workspace-relative path of the rendered file. */
  outputPath?: string;
}

/** Text that marks an unparsable file as a template, not other JSON or YAML. */
const TEMPLATE_MARKERS =
  /AWSTemplateFormatVersion|AWS::|\bResources\s*["']?\s*:/;

/**
 * A file read and rendered, with the write that finishes its sync when it
 * has one. Errors are stored in the result, not thrown, so the caller can
 * go on with the other files and fail at the end.
 */
interface PreparedFile {
  result: FileSyncResult;
  write?: () => Promise<void>;
}

function prepareFile(file: FoundFile, options: SyncOptions): PreparedFile {
  const result: FileSyncResult = {
    path: file.path,
    status: 'unchanged',
    changes: [],
    skipped: [],
    warnings: [],
    referenceCount: 0,
  };
  try {
    const { text, stats } = readTextFile(file.absolutePath, file.path);
    const rendered = renderFile(text, file.path, options, result);
    if (rendered) {
      const write = finishFile(
        file,
        { text, stats },
        rendered,
        options,
        result,
      );
      return { result, write };
    }
  } catch (error) {
    setError(result, error);
  }
  return { result };
}

function setError(result: FileSyncResult, error: unknown): void {
  result.status = 'error';
  result.error = (error as Error).message;
}

/** Returns the synced text, or undefined when the file is not a template. */
function renderFile(
  text: string,
  path: string,
  options: SyncOptions,
  result: FileSyncResult,
): RenderedTemplate | undefined {
  if (!mentionsSyncedLayer(text, options)) {
    result.status = 'unrelated';
    return undefined;
  }
  if (basename(path) === SAM_CONFIG_FILE) {
    if (options.toSsm) return undefined;
    const rendered = renderSamConfigVersions(
      text,
      options.layers,
      options.versions,
    );
    result.referenceCount = rendered.changes.length + rendered.skipped.length;
    return rendered;
  }
  // --to-ssm inserts a parameter at offsets that only the full parse gives.
  const template = parseOrSkip(text, path, !options.toSsm);
  if (!template || !isCloudFormationTemplate(topLevelValueOf(template))) {
    result.status = 'not-a-template';
    return undefined;
  }
  const references = findLayerReferences(template, options.layers);
  const synced = references.filter((reference) =>
    options.versions.has(reference.layerName),
  );
  result.referenceCount = synced.length;
  result.warnings = findSyncWarnings(template, synced);
  if (options.toSsm) {
    const layers = options.layers.filter((layer) =>
      options.versions.has(layer.layerName),
    );
    const migrated = migrateToSsm(template, layers, synced);
    result.warnings.push(...migrated.warnings);
    return migrated;
  }
  return renderReferences(template, synced, options.versions);
}

/**
 * True when the text contains the name, SSM parameter name, export name or
 * placeholder of a synced layer. Every reference form contains one of
 * them, so other files are not parsed.
 */
function mentionsSyncedLayer(text: string, options: SyncOptions): boolean {
  return options.layers.some(
    (layer) =>
      options.versions.has(layer.layerName) &&
      [
        layer.layerName,
        layer.ssmParameter,
        layer.exportName,
        layer.placeholder,
      ].some((token) => text.includes(token)),
  );
}

/**
 * Parses a template. A file that fails to parse and has none of
 * `TEMPLATE_MARKERS` is taken for other JSON or YAML, such as a
 * `tsconfig.json` with comments, and skipped. Otherwise the parse error is
 * thrown with its line and column.
 */
function parseOrSkip(text: string, path: string, readOnly: boolean) {
  try {
    return parseTemplate(text, path, { readOnly });
  } catch (error) {
    if (!(error instanceof TemplateParseError)) throw error;
    if (!TEMPLATE_MARKERS.test(text)) return undefined;
    throw new Error(
      `${error.message}; the file is invalid ` +
        `${path.endsWith('.json') ? 'JSON' : 'YAML'} and was not changed, ` +
        'fix it and run again',
    );
  }
}

/** The file as read. */
interface ReadState {
  text: string;
  /** Stats from the read, so the write can reject a file changed since. */
  stats: Stats;
}

/**
 * Sets the result of a rendered file, and returns the write that the mode
 * needs. `check`, `dry-run` and an unchanged file need none.
 */
function finishFile(
  file: FoundFile,
  { text, stats }: ReadState,
  rendered: RenderedTemplate,
  options: SyncOptions,
  result: FileSyncResult,
): (() => Promise<void>) | undefined {
  result.changes = rendered.changes;
  result.skipped = rendered.skipped;
  const changed = rendered.text !== text;

  if (options.mode === 'check') {
    result.status = changed ? 'stale' : 'unchanged';
  } else if (options.mode === 'dry-run') {
    result.status = changed ? 'changed' : 'unchanged';
    result.diff = unifiedDiff(file.path, text, rendered.text);
  } else if (options.mode === 'render') {
    if (result.referenceCount === 0) return undefined;
    const outputPath = `${options.renderDir ?? 'dist'}/${file.path}`;
    const copy =
      basename(file.path) === SAM_CONFIG_FILE
        ? rendered.text
        : relocateLocalPaths(rendered.text, file.path, outputPath);
    return async () => {
      // The copy gets the source's permissions, so a private template
      // stays private.
      await writeFileAtomically(
        join(options.workspaceRoot, outputPath),
        copy,
        stats.mode & 0o777,
      );
      result.status = 'rendered';
      result.outputPath = outputPath;
    };
  } else if (changed) {
    return async () => {
      await replaceFileContent(
        file.absolutePath,
        rendered.text,
        file.path,
        undefined,
        stats,
      );
      result.status = 'changed';
      // The rename gives this path a new file, so other hard links to
      // the old one keep the old text.
      if (stats.nlink > 1) {
        result.warnings.push({
          source: file.path,
          line: 1,
          column: 1,
          message:
            `had ${stats.nlink} hard links; only this path has the new ` +
            'text, so replace the other links with copies or symlinks',
        });
      }
    };
  }
  return undefined;
}

/** Totals of a sync over many files. */
export interface SyncSummary {
  files: number;
  templates: number;
  references: number;
  changed: number;
  stale: number;
  rendered: number;
  errors: number;
}

export function summarize(results: FileSyncResult[]): SyncSummary {
  const count = (status: FileStatus) =>
    results.filter((result) => result.status === status).length;
  return {
    files: results.length,
    templates: results.length - count('not-a-template') - count('unrelated'),
    references: results.reduce((sum, r) => sum + r.referenceCount, 0),
    changed: count('changed'),
    stale: count('stale'),
    rendered: count('rendered'),
    errors: count('error'),
  };
}

/** Files written at the same time; bounds open files. */
export const SYNC_CONCURRENCY = 16;

/** Maximum time spent rendering between turns of the event loop. */
const RENDER_SLICE_MS = 1;

/**
 * Syncs files and returns their results in the order of `files`. Each
 * file's errors stay in its own result.
 *
 * Files are read and rendered on the main thread, one after the other,
 * and each changed file's write starts as soon as it is rendered, up to
 * `concurrency` at a time. A write takes two trips through the thread
 * pool (creating the temporary file, then renaming it), and each trip
 * waits for the main thread to start the next one. Rendering therefore
 * yields to the event loop at least every `RENDER_SLICE_MS`, so that the
 * writes go on while the next files render. In
 * tools/bench/sync-versions-bench.ts (500 changed files, 2-CPU VM) this
 * took about 0.9 times as long as rendering all files before the first
 * write. Starting writes while rendering without yielding, with writes of
 * five trips each, took about 1.7 times as long.
 */
export async function syncFiles(
  files: FoundFile[],
  options: SyncOptions,
  concurrency = SYNC_CONCURRENCY,
): Promise<FileSyncResult[]> {
  const writes = new WriteQueue(concurrency);
  const results: FileSyncResult[] = [];
  let sliceStart = performance.now();
  for (const file of files) {
    const { result, write } = prepareFile(file, options);
    results.push(result);
    if (write) writes.add(write, result);
    if (performance.now() - sliceStart >= RENDER_SLICE_MS) {
      await new Promise(setImmediate);
      sliceStart = performance.now();
    }
  }
  await writes.finished();
  return results;
}

/** Runs writes in the order they are added, up to `limit` at a time. */
class WriteQueue {
  private readonly waiting: Array<Required<PreparedFile> | undefined> = [];
  private nextWaiting = 0;
  private running = 0;
  private onIdle?: () => void;

  constructor(private readonly limit: number) {}

  /** Queues a write. Its error is stored in `result`. */
  add(write: () => Promise<void>, result: FileSyncResult): void {
    this.waiting.push({ write, result });
    this.startWaiting();
  }

  /** Resolves once every added write has settled. */
  finished(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  private startWaiting(): void {
    while (
      this.running < this.limit &&
      this.nextWaiting < this.waiting.length
    ) {
      const { write, result } = this.waiting[this.nextWaiting]!;
      // Drops the rendered text once its write has started.
      this.waiting[this.nextWaiting++] = undefined;
      this.running++;
      write()
        .catch((error) => setError(result, error))
        .finally(() => {
          this.running--;
          this.startWaiting();
          if (this.running === 0) this.onIdle?.();
        });
    }
  }
}
