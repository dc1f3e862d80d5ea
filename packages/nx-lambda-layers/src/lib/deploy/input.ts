import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  findSamConfigFile,
  listSamConfigEnvironments,
  readSamConfigFile,
  SAM_CONFIG_FILE,
} from '../samconfig';
import { parseTemplate } from '../template';
import type { DeployInput } from './deploy';
import { findWorkspaceLayers } from './layer-versions';
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
  /** SAM CLI configuration environment. @default 'default' */
  configEnv?: string;
  /**
   * SAM CLI configuration file, relative to the workspace root.
   * @default samconfig.toml, .yaml or .yml next to the template
   */
  configFile?: string;
}

/**
 * Reads the template and the SAM CLI configuration file (the `configFile`
 * option, else the one beside the template) and merges the settings.
 * `projects` (name to root, as in the Nx context) is searched for layer
 * projects. Paths in messages are relative to the workspace root.
 */
export function loadDeployInput(
  workspaceRoot: string,
  projectRoot: string,
  options: DeployFileOptions,
  projects: Record<string, { root: string }> = {},
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
  const configPath = findConfigFile(workspaceRoot, templateDir, options);
  if (configPath && options.configEnv) {
    checkConfigEnv(configPath, options.configEnv, workspaceRoot);
  }
  const samConfig = configPath
    ? readSamConfigFile(configPath, options.configEnv ?? 'default')
    : undefined;
  const settings = mergeDeploySettings(
    samConfig,
    options,
    hasTransform(template.value),
    configPath
      ? relative(workspaceRoot, configPath)
      : join(dirname(templatePath), SAM_CONFIG_FILE),
  );
  return {
    template,
    templateDir,
    projectDir: join(workspaceRoot, projectRoot),
    settings,
    workspaceRoot,
    layers: findWorkspaceLayers(workspaceRoot, projects),
  };
}

/**
 * Throws when the file lacks the requested config environment. Without
 * this, a misspelled `configEnv` would deploy with the inferred default
 * settings (stack name, region) instead of failing.
 */
function checkConfigEnv(
  configPath: string,
  configEnv: string,
  workspaceRoot: string,
): void {
  const environments = listSamConfigEnvironments(configPath);
  if (!environments.includes(configEnv)) {
    throw new Error(
      `${relative(workspaceRoot, configPath)} has no environment ` +
        `${JSON.stringify(configEnv)} (it has ${environments.join(', ')}); ` +
        'fix the `configEnv` option',
    );
  }
}

/** Returns the absolute path of the SAM CLI configuration file, if any. */
function findConfigFile(
  workspaceRoot: string,
  templateDir: string,
  options: DeployFileOptions,
): string | undefined {
  if (!options.configFile) {
    return findSamConfigFile(templateDir);
  }
  const path = join(workspaceRoot, options.configFile);
  if (!existsSync(path)) {
    throw new Error(
      `SAM CLI configuration file ${options.configFile} not found; fix ` +
        'the `configFile` option (a path relative to the workspace root)',
    );
  }
  return path;
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
