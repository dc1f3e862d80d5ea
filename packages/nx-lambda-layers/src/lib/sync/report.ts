import { logger } from '@nx/devkit';
import type { FileSyncResult, SyncMode, SyncSummary } from './sync';

/**
 * Logs the outcome of one file: errors, stale tokens (`check`), diffs
 * (`dry-run`), changes and warnings. A file that is not a template is
 * mentioned only in verbose output.
 */
export function reportFile(result: FileSyncResult, mode: SyncMode): void {
  const { path } = result;
  if (result.status === 'error') {
    logger.error(result.error ?? `${path}: failed`);
    return;
  }
  if (result.status === 'not-a-template') {
    logger.verbose(`${path}: not a CloudFormation or SAM template, skipped`);
    return;
  }
  for (const change of result.changes) {
    const where = `${path}:${change.line}:${change.column}`;
    const what = `layer ${change.layerName} ${change.from} -> ${change.to}`;
    if (mode === 'check') {
      logger.info(
        `stale: ${where}: layer ${change.layerName} version ${change.from}, ` +
          `expected ${change.to}`,
      );
    } else if (mode === 'write') {
      logger.info(`updated ${where}: ${what}`);
    }
  }
  if (result.diff) {
    // Only the final newline is removed, so a CRLF file keeps its last \r.
    logger.info(result.diff.replace(/\n$/, ''));
  }
  if (result.outputPath) {
    logger.info(`rendered ${path} to ${result.outputPath}`);
  }
  for (const skipped of result.skipped) {
    logger.warn(`${path}:${skipped.line}:${skipped.column}: ${skipped.reason}`);
  }
  for (const warning of result.warnings) {
    logger.warn(
      `${warning.source}:${warning.line}:${warning.column}: ` + warning.message,
    );
  }
}

/** Logs the one-line summary of a run. */
export function reportSummary(
  summary: SyncSummary,
  mode: SyncMode,
  target: string,
  toSsm = false,
): void {
  const counts = {
    check: `${summary.stale} stale`,
    render: `${summary.rendered} rendered`,
    'dry-run': `${summary.changed} would change`,
    write: `${summary.changed} changed`,
  }[mode];
  const errors = summary.errors ? `, ${summary.errors} with errors` : '';
  logger.info(
    `${target}: ${plural(summary.files, 'file')} searched, ` +
      `${plural(summary.templates, 'template')}, ` +
      `${plural(summary.references, 'reference')}; ${counts}${errors}`,
  );
  if (mode === 'check' && summary.stale > 0) {
    const problem = toSsm
      ? 'with layer ARNs not yet moved to an SSM parameter'
      : 'with an old layer version';
    logger.error(
      `${plural(summary.stale, 'file')} ${problem}; ` +
        'run sync-versions without --check to update them',
    );
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
