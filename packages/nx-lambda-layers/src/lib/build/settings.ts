import { minimatch } from 'minimatch';
import type { LayerConfig } from '../layer-config';
import type { LayerTarget } from '../manifest';
import { layoutPrefix, targetPlatform } from './target-platform';

/** Settings of a build, checked before anything is installed. */
export interface BuildSettings {
  target?: LayerTarget;
  /** Folder of the packages in the zip, such as `python/`. */
  prefix: string;
  exclude: (relativePath: string) => boolean;
  noDependencies: string[];
}

/**
 * Checks the build settings of a layer configuration before anything is
 * installed. `source` names the configuration file in errors.
 */
export function checkBuildSettings(
  config: LayerConfig,
  source: string,
): BuildSettings {
  const target = config.runtime
    ? targetPlatform(config.runtime, config.architecture ?? 'x86_64')
    : undefined;
  if (!config.runtime && config.architecture) {
    throw new Error(
      `architecture ${config.architecture} needs a runtime to choose wheels ` +
        'for; set the `runtime` option too, such as "python3.12"',
    );
  }
  checkListed('runtime', config.runtime, config.runtimes, source);
  checkListed(
    'architecture',
    target?.architecture,
    config.architectures,
    source,
  );
  return {
    target,
    prefix: layoutPrefix(config.layout, config.runtime),
    exclude: excludeMatcher(config, source),
    noDependencies: checkStringList(config, source, 'noDependencies'),
  };
}

/**
 * Throws when the build targets a runtime or architecture that `layer.json`
 * does not list, because publish-layer declares the listed ones as the
 * layer's compatible runtimes and architectures.
 */
function checkListed(
  option: 'runtime' | 'architecture',
  value: string | undefined,
  listed: string[],
  source: string,
): void {
  if (value !== undefined && !listed.includes(value)) {
    throw new Error(
      `${option} ${value} is not one of the layer ${option}s ` +
        `${listed.join(', ')}, so the layer would be published for ` +
        `${option}s it was not built for; pass one of them or add ${value} ` +
        `to ${option}s in ${source}`,
    );
  }
}

function checkStringList(
  config: LayerConfig,
  source: string,
  key: 'noDependencies' | 'exclude' | 'packages',
): string[] {
  const value: unknown = config[key] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new Error(
      `${source}: ${key} must be a list of strings, such as ` +
        `${key === 'exclude' ? '["**/tests"]' : '["sosw", "bson"]'}`,
    );
  }
  return value;
}

/**
 * Returns the filter of zip paths (relative to the layout folder):
 * `__pycache__` and `*.pyc` always, `*.dist-info` unless `keepDistInfo`,
 * and the `exclude` globs. A glob without `/` matches a name at any depth.
 */
function excludeMatcher(
  config: LayerConfig,
  source: string,
): (relativePath: string) => boolean {
  checkStringList(config, source, 'packages');
  const globs = checkStringList(config, source, 'exclude');
  const keepDistInfo = config.keepDistInfo ?? true;
  return (path) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name === '__pycache__' || name.endsWith('.pyc')) {
      return true;
    }
    if (!keepDistInfo && /^[^/]+\.dist-info$/.test(path)) {
      return true;
    }
    return globs.some((glob) =>
      minimatch(path, glob, { dot: true, matchBase: !glob.includes('/') }),
    );
  };
}
