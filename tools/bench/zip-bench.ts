/**
 * Times the layer zip writer against Info-ZIP `zip -qrX -6` on the same
 * tree: boto3, requests and pymongo installed with `pip install --target`
 * from the machine's configured package indexes.
 *
 * Usage: node -r @swc-node/register tools/bench/zip-bench.ts [--fresh] [--runs N]
 *
 * The installed tree is kept in $TMPDIR/nx-lambda-layers-zip-bench and
 * reused; `--fresh` installs it again. Each tool runs once to warm the page
 * cache, then N times (5 by default) in alternation; the medians are compared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collectFiles,
  writeZip,
  zipDirectory,
} from '../../packages/nx-lambda-layers/src/lib/zip';

const PACKAGES = ['boto3', 'requests', 'pymongo'];
const BENCH_DIR = join(tmpdir(), 'nx-lambda-layers-zip-bench');
const TREE_DIR = join(BENCH_DIR, 'tree');

interface Options {
  fresh: boolean;
  runs: number;
}

function parseOptions(argv: string[]): Options {
  const runsIndex = argv.indexOf('--runs');
  const runs = runsIndex >= 0 ? Number(argv[runsIndex + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(
      `invalid --runs ${argv[runsIndex + 1]}; use a positive integer`,
    );
  }
  return { fresh: argv.includes('--fresh'), runs };
}

/** Installs the packages into TREE_DIR/python unless a previous run did. */
function installTree(fresh: boolean): void {
  const pythonDir = join(TREE_DIR, 'python');
  if (!fresh && existsSync(join(pythonDir, 'boto3'))) {
    return;
  }
  rmSync(TREE_DIR, { recursive: true, force: true });
  mkdirSync(TREE_DIR, { recursive: true });
  console.log(`installing ${PACKAGES.join(', ')} into ${pythonDir}`);
  const pip = spawnSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--target',
      pythonDir,
      '--no-compile',
      ...PACKAGES,
    ],
    { stdio: 'inherit' },
  );
  if (pip.status !== 0) {
    throw new Error(
      `pip install ${PACKAGES.join(' ')} failed with exit code ${pip.status}`,
    );
  }
}

async function timeMilliseconds(
  run: () => Promise<void> | void,
): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

function runInfoZip(outFile: string): void {
  rmSync(outFile, { force: true });
  const zip = spawnSync('zip', ['-qrX', '-6', outFile, 'python'], {
    cwd: TREE_DIR,
  });
  if (zip.status !== 0) {
    throw new Error(`zip failed with exit code ${zip.status}: ${zip.stderr}`);
  }
}

async function main(options: Options): Promise<void> {
  installTree(options.fresh);
  const pythonDir = join(TREE_DIR, 'python');
  const entries = await collectFiles(pythonDir, { prefix: 'python/' });
  const unzipped = entries.reduce((sum, entry) => sum + entry.size, 0);
  const ours = join(BENCH_DIR, 'ours.zip');
  const infoZip = join(BENCH_DIR, 'info-zip.zip');

  const tools: Record<string, () => Promise<void> | void> = {
    zipDirectory: async () => {
      await zipDirectory(pythonDir, ours, { prefix: 'python/' });
    },
    writeZip: async () => {
      await writeZip(entries, ours);
    },
    'zip -qrX -6': () => runInfoZip(infoZip),
  };
  const times: Record<string, number[]> = {};
  for (const [name, run] of Object.entries(tools)) {
    await run();
    times[name] = [];
  }
  for (let round = 0; round < options.runs; round += 1) {
    for (const [name, run] of Object.entries(tools)) {
      times[name].push(await timeMilliseconds(run));
    }
  }
  report(
    options,
    entries.length,
    unzipped,
    times,
    statSync(ours).size,
    statSync(infoZip).size,
  );
}

function report(
  options: Options,
  fileCount: number,
  unzipped: number,
  times: Record<string, number[]>,
  oursBytes: number,
  infoZipBytes: number,
): void {
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
      `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
  );
  console.log(
    `tree: ${fileCount} files, ${unzipped} bytes (${PACKAGES.join(', ')})`,
  );
  console.log(
    `zip sizes: ours ${oursBytes} bytes, zip -6 ${infoZipBytes} bytes`,
  );
  for (const [name, values] of Object.entries(times)) {
    const shown = values.map((value) => value.toFixed(0)).join(', ');
    console.log(
      `${name}: median ${median(values).toFixed(0)} ms of ${options.runs} runs (${shown})`,
    );
  }
  const baseline = median(times['zip -qrX -6']);
  console.log(
    `ratio to zip -qrX -6: zipDirectory ${(median(times.zipDirectory) / baseline).toFixed(2)}, ` +
      `writeZip ${(median(times.writeZip) / baseline).toFixed(2)}`,
  );
}

main(parseOptions(process.argv.slice(2))).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
