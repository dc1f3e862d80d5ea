import { logger } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseSamConfig,
  SAM_CONFIG_FILE,
  SamConfigError,
  type SamDeployConfig,
} from '../lib/samconfig';
import {
  parseTemplate,
  TemplateParseError,
  type ParsedTemplate,
} from '../lib/template';

const reportedErrors = new Set<string>();

/**
 * Logs an error once per process. The daemon recomputes the graph on every
 * file change, and one broken file should not repeat its message each time.
 */
export function reportOnce(message: string): void {
  if (!reportedErrors.has(message)) {
    reportedErrors.add(message);
    logger.error(message);
  }
}

/** Returns the text of a file, or undefined when it does not exist. */
export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Returns the first of `fileNames` that exists in the project root. */
export function findTemplateFile(
  workspaceRoot: string,
  projectRoot: string,
  fileNames: string[],
): string | undefined {
  return fileNames.find((name) =>
    existsSync(join(workspaceRoot, projectRoot, name)),
  );
}

/**
 * Templates parsed by createNodes, by workspace-relative path. Nx runs
 * createNodes and createDependencies in the same plugin process, and YAML
 * parsing is most of their time, so createDependencies reuses them. It
 * clears the map when done, so parsed documents leave the daemon's memory.
 */
const parsedTemplates = new Map<
  string,
  { text: string; template: ParsedTemplate | undefined }
>();

/** Drops the templates kept for reuse. */
export function clearParsedTemplates(): void {
  parsedTemplates.clear();
}

/**
 * Parses a template, or logs its syntax error with file, line and column and
 * returns undefined, so one broken template leaves the rest of the graph
 * intact. A template parsed before from the same text is reused.
 */
export function parseTemplateOrReport(
  text: string,
  source: string,
): ParsedTemplate | undefined {
  const kept = parsedTemplates.get(source);
  if (kept?.text === text) {
    return kept.template;
  }
  const template = parseOrReport(text, source);
  parsedTemplates.set(source, { text, template });
  return template;
}

function parseOrReport(
  text: string,
  source: string,
): ParsedTemplate | undefined {
  try {
    return parseTemplate(text, source, { readOnly: true });
  } catch (error) {
    if (!(error instanceof TemplateParseError)) throw error;
    reportOnce(
      `Invalid template ${error.message}. Fix the syntax at that position; ` +
        'until the template parses, its stack gets no layer dependencies.',
    );
    return undefined;
  }
}

/**
 * Parses the `samconfig.toml` text of a project, or logs why it is invalid
 * and returns undefined.
 */
export function parseSamConfigOrReport(
  text: string | undefined,
  projectRoot: string,
  configEnv: string,
): SamDeployConfig | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    return parseSamConfig(text, join(projectRoot, SAM_CONFIG_FILE), configEnv);
  } catch (error) {
    if (!(error instanceof SamConfigError)) throw error;
    reportOnce(error.message);
    return undefined;
  }
}
