import type { LayerTarget } from '../manifest';

/** Lambda Python runtimes a layer can be built for. */
export const LAMBDA_PYTHON_RUNTIMES = [
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
];

/** Lambda instruction set names and the machine names of their wheel tags. */
const MACHINES: Record<string, string> = {
  x86_64: 'x86_64',
  arm64: 'aarch64',
};

/**
 * glibc minor version (2.x) of each runtime's operating system: python3.10
 * and python3.11 run on Amazon Linux 2 (glibc 2.26), python3.12 and later
 * on Amazon Linux 2023 (glibc 2.34). A manylinux_2_N wheel runs where glibc
 * is 2.N or newer.
 */
function glibcMinor(runtime: string): number {
  return ['python3.10', 'python3.11'].includes(runtime) ? 26 : 34;
}

/**
 * Returns the pip target of a Lambda runtime and architecture: its Python
 * version and the manylinux tags its glibc can load, most specific first.
 * Throws on an unknown runtime or architecture.
 */
export function targetPlatform(
  runtime: string,
  architecture = 'x86_64',
): LayerTarget {
  if (!LAMBDA_PYTHON_RUNTIMES.includes(runtime)) {
    throw new Error(
      `invalid runtime ${JSON.stringify(runtime)}; set it to one of ` +
        `${LAMBDA_PYTHON_RUNTIMES.join(', ')}`,
    );
  }
  const machine = MACHINES[architecture];
  if (!machine) {
    throw new Error(
      `invalid architecture ${JSON.stringify(architecture)}; ` +
        'set it to x86_64 or arm64',
    );
  }
  return {
    runtime,
    architecture,
    pythonVersion: runtime.slice('python'.length),
    platforms: manylinuxTags(glibcMinor(runtime), machine),
  };
}

/**
 * Returns the manylinux tags from glibc 2.`maxMinor` down to 2.17
 * (manylinux2014, the oldest for aarch64), and on x86_64 the older
 * manylinux2010 (2.12) and manylinux1 (2.5) too, each with its legacy alias.
 */
function manylinuxTags(maxMinor: number, machine: string): string[] {
  const tags: string[] = [];
  for (let minor = maxMinor; minor >= 17; minor--) {
    tags.push(`manylinux_2_${minor}_${machine}`);
  }
  tags.push(`manylinux2014_${machine}`);
  if (machine === 'x86_64') {
    tags.push(
      'manylinux_2_12_x86_64',
      'manylinux2010_x86_64',
      'manylinux_2_5_x86_64',
      'manylinux1_x86_64',
    );
  }
  return tags;
}

/**
 * Returns the pip arguments that select wheels for `target`. pip accepts
 * `--platform` only with `--only-binary=:all:` or `--no-deps`; a `--no-deps`
 * run leaves source builds allowed, so a pure-Python package from git can
 * still be built there.
 */
export function targetPipArgs(
  target: LayerTarget,
  noDependencies: boolean,
): string[] {
  const args = target.platforms.flatMap((tag) => ['--platform', tag]);
  args.push('--implementation', 'cp', '--python-version', target.pythonVersion);
  if (!noDependencies) {
    args.push('--only-binary=:all:');
  }
  return args;
}

/**
 * Returns the zip folder of the packages for a layout: `python/` or
 * `python/lib/python3.X/site-packages/`, which needs a runtime.
 */
export function layoutPrefix(
  layout: string | undefined,
  runtime: string | undefined,
): string {
  if (layout === undefined || layout === 'python') {
    return 'python/';
  }
  if (layout !== 'site-packages') {
    throw new Error(
      `invalid layout ${JSON.stringify(layout)}; set it to "python" or "site-packages"`,
    );
  }
  if (!runtime) {
    throw new Error(
      'layout "site-packages" needs a runtime to name the ' +
        'python3.X folder; set the `runtime` option, such as "python3.12"',
    );
  }
  return `python/lib/${runtime}/site-packages/`;
}
