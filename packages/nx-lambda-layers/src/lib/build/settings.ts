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
  const prefix = layoutPrefix(config.layout, config.runtime);
  checkSitePackagesRuntimes(config, prefix, source);
  return {
    target,
    prefix,
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

/**
 * Throws when a `site-packages` layout would be published for more than
 * its one runtime: Lambda adds `python/lib/python3.X/site-packages` to the
 * path only on Python 3.X, so the other runtimes would not find the
 * packages.
 */
function checkSitePackagesRuntimes(
  config: LayerConfig,
  prefix: string,
  source: string,
): void {
  if (config.layout !== 'site-packages') return;
  const others = config.runtimes.filter(
    (runtime) => runtime !== config.runtime,
  );
  if (others.length === 0) return;
  throw new Error(
    `layout "site-packages" puts the packages under ${prefix}, which only ` +
      `${config.runtime} reads, but the layer runtimes also list ` +
      `${others.join(', ')}; set runtimes in ${source} to ` +
      `["${config.runtime}"] or use layout "python", which every runtime reads`,
  );
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
