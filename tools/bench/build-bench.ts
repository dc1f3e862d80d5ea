/**
 * Times a whole layer build (pip install plus zip) with build-layer's
 * `buildLayer` against the old deploy script's steps on the same
 * requirements: `pip install --target python/ PACKAGES`, then `zip -qr`.
 *
 * Usage: node -r @swc-node/register tools/bench/build-bench.ts [--runs N]
 *
 * Both sides use the machine's pip configuration and PIP_* variables. When
 * pip's default index is unreachable, set PIP_INDEX_URL to a local index,
 * or each package lookup waits for retries. Each build first runs once
 * untimed to warm pip's cache. Then the two run in alternation, N times
 * each (5 by default), and the medians are compared.
 */
import { logger } from '@nx/devkit';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer } from '../../packages/nx-lambda-layers/src/lib/layer-build';
import { normalizeLayerConfig } from '../../packages/nx-lambda-layers/src/lib/layer-config';

const PACKAGES = ['boto3', 'requests', 'pymongo'];
const BENCH_DIR = join(tmpdir(), 'nx-lambda-layers-build-bench');
const PROJECT_ROOT = 'layer';

function parseRuns(argv: string[]): number {
  const index = argv.indexOf('--runs');
  const runs = index >= 0 ? Number(argv[index + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(
      `invalid --runs ${argv[index + 1]}; use a positive integer`,
    );
  }
  return runs;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'ignore' });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed with exit code ${result.status}`,
    );
  }
}

/** Runs the old script's steps: pip install into python/, then zip -qr. */
function oldScriptBuild(): number {
  const dir = join(BENCH_DIR, 'old');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pythonDir = join(dir, 'python');
  run(
    'python3',
    ['-m', 'pip', 'install', '-q', '--target', pythonDir, ...PACKAGES],
    dir,
  );
  run('zip', ['-qr', 'layer.zip', 'python'], dir);
  return statSync(join(dir, 'layer.zip')).size;
}

/** Runs build-layer's library function on the same requirements. */
async function buildLayerBuild(): Promise<number> {
  const root = join(BENCH_DIR, 'new');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, PROJECT_ROOT), { recursive: true });
  const result = await buildLayer({
    workspaceRoot: root,
    projectRoot: PROJECT_ROOT,
    config: normalizeLayerConfig(
      { layerName: 'bench', ssmParameter: '/bench', packages: PACKAGES },
      'layer.json',
    ),
  });
  return result.manifest.zipBytes;
}

async function seconds(build: () => Promise<number> | number): Promise<{
  seconds: number;
  zipBytes: number;
}> {
  const start = process.hrtime.bigint();
  const zipBytes = await build();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, zipBytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  // pip's output of each build would drown the figures.
  for (const method of ['info', 'warn'] as const) {
    logger[method] = () => undefined;
  }
  console.log(
    `${PACKAGES.join(', ')}; ${runs} runs each; ${cpus().length} CPUs; ` +
      `PIP_INDEX_URL=${process.env.PIP_INDEX_URL ?? '(unset)'}`,
  );
  await seconds(oldScriptBuild);
  await seconds(buildLayerBuild);

  const times = { old: [] as number[], new: [] as number[] };
  for (let index = 0; index < runs; index++) {
    const old = await seconds(oldScriptBuild);
    const built = await seconds(buildLayerBuild);
    times.old.push(old.seconds);
    times.new.push(built.seconds);
    console.log(
      `run ${index + 1}: pip + zip -qr ${old.seconds.toFixed(2)} s ` +
        `(${old.zipBytes} bytes), buildLayer ${built.seconds.toFixed(2)} s ` +
        `(${built.zipBytes} bytes)`,
    );
  }
  const oldMedian = median(times.old);
  const newMedian = median(times.new);
  console.log(
    `median: pip + zip -qr ${oldMedian.toFixed(2)} s, buildLayer ` +
      `${newMedian.toFixed(2)} s, ratio ${(newMedian / oldMedian).toFixed(2)} ` +
      '(goal 1.0 or less)',
  );
  rmSync(BENCH_DIR, { recursive: true, force: true });
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
