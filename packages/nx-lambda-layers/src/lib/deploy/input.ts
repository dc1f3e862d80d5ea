import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSamConfig, SAM_CONFIG_FILE } from '../samconfig';
import { parseTemplate } from '../template';
import type { DeployInput } from './deploy';
import { type DeployOptions, mergeDeploySettings } from './settings';
import { hasTransform } from './template-body';

/** Template file names tried, in order, when the `template` option is unset. */
export const DEFAULT_TEMPLATE_FILES = [
  'template.yaml',
  'template.yml',
  'template.json',
];

/** Deploy options plus the ones that choose the files. */
export interface DeployFileOptions extends DeployOptions {
  /** Template path, relative to the workspace root. */
  template?: string;
  /** samconfig.toml environment. @default 'default' */
  configEnv?: string;
}

/**
 * Reads the template and the samconfig.toml beside it and merges the
 * settings. Paths in messages are relative to the workspace root.
 */
export function loadDeployInput(
  workspaceRoot: string,
  projectRoot: string,
  options: DeployFileOptions,
): DeployInput {
  const templatePath = findTemplate(
    workspaceRoot,
    projectRoot,
    options.template,
  );
  const absolutePath = join(workspaceRoot, templatePath);
  const template = parseTemplate(
    readFileSync(absolutePath, 'utf8'),
    templatePath,
  );

  const templateDir = dirname(absolutePath);
  const samConfig = readSamConfig(templateDir, options.configEnv ?? 'default');
  const settings = mergeDeploySettings(
    samConfig,
    options,
    hasTransform(template.value),
    join(dirname(templatePath), SAM_CONFIG_FILE),
  );
  return {
    template,
    templateDir,
    projectDir: join(workspaceRoot, projectRoot),
    settings,
  };
}

/** Returns the workspace-relative template path, checking that it exists. */
function findTemplate(
  workspaceRoot: string,
  projectRoot: string,
  template: string | undefined,
): string {
  if (template) {
    if (!existsSync(join(workspaceRoot, template))) {
      throw new Error(
        `template ${template} not found; fix the \`template\` option ` +
          '(a path relative to the workspace root)',
      );
    }
    return template;
  }
  const candidates = DEFAULT_TEMPLATE_FILES.map((name) =>
    join(projectRoot, name),
  );
  const found = candidates.find((path) =>
    existsSync(join(workspaceRoot, path)),
  );
  if (!found) {
    throw new Error(
      `no template in ${projectRoot} (looked for ` +
        `${DEFAULT_TEMPLATE_FILES.join(', ')}); set the \`template\` option`,
    );
  }
  return found;
}
