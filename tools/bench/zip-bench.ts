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
  run: () => Promise<unknown> | void,
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

/** The extensions that writeZip stores without deflate, for `zip -n`. */
const STORED_SUFFIXES = [
  'gz',
  'tgz',
  'bz2',
  'xz',
  'lzma',
  'zst',
  'zip',
  'whl',
  'egg',
  'jar',
  '7z',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'woff',
  'woff2',
]
  .map((extension) => `.${extension}`)
  .join(':');

function runInfoZip(outFile: string, extraArgs: string[] = []): void {
  rmSync(outFile, { force: true });
  const args = ['-qrX', '-6', ...extraArgs, outFile, 'python'];
  const zip = spawnSync('zip', args, { cwd: TREE_DIR });
  if (zip.status !== 0) {
    throw new Error(`zip failed with exit code ${zip.status}: ${zip.stderr}`);
  }
}

/** One timed way to zip the tree, with the zip file it writes. */
interface Contender {
  name: string;
  outFile: string;
  run: () => Promise<unknown> | void;
}

async function main(options: Options): Promise<void> {
  installTree(options.fresh);
  const pythonDir = join(TREE_DIR, 'python');
  const entries = await collectFiles(pythonDir, { prefix: 'python/' });
  const unzipped = entries.reduce((sum, entry) => sum + entry.size, 0);
  const out = (name: string) => join(BENCH_DIR, name);
  const contenders: Contender[] = [
    {
      name: 'zipDirectory',
      outFile: out('zip-directory.zip'),
      run: () =>
        zipDirectory(pythonDir, out('zip-directory.zip'), {
          prefix: 'python/',
        }),
    },
    {
      name: 'writeZip',
      outFile: out('write-zip.zip'),
      run: () => writeZip(entries, out('write-zip.zip')),
    },
    {
      name: 'zip -qrX -6',
      outFile: out('info-zip.zip'),
      run: () => runInfoZip(out('info-zip.zip')),
    },
    {
      name: 'zip -qrX -6 -n <compressed suffixes>',
      outFile: out('info-zip-n.zip'),
      run: () => runInfoZip(out('info-zip-n.zip'), ['-n', STORED_SUFFIXES]),
    },
  ];

  const times = new Map<Contender, number[]>();
  for (const contender of contenders) {
    await contender.run();
    times.set(contender, []);
  }
  for (let round = 0; round < options.runs; round += 1) {
    for (const contender of contenders) {
      times.get(contender)?.push(await timeMilliseconds(contender.run));
    }
  }
  console.log(describeMachine());
  console.log(
    `tree: ${entries.length} files, ${unzipped} bytes (${PACKAGES.join(', ')})`,
  );
  for (const [contender, values] of times) {
    const runs = values.map((value) => value.toFixed(0)).join(', ');
    console.log(
      `${contender.name}: median ${median(values).toFixed(0)} ms ` +
        `(${runs}), ${statSync(contender.outFile).size} bytes`,
    );
  }
  const [directory, write, infoZip] = contenders.map((contender) =>
    median(times.get(contender) ?? []),
  );
  console.log(
    `ratio to zip -qrX -6: zipDirectory ${(directory / infoZip).toFixed(2)}, ` +
      `writeZip ${(write / infoZip).toFixed(2)}`,
  );
}

function describeMachine(): string {
  const cpu = cpus();
  const threads = process.env.UV_THREADPOOL_SIZE ?? '4 (default)';
  return (
    `machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ` +
    `Node ${process.version}, UV_THREADPOOL_SIZE=${threads}`
  );
}

main(parseOptions(process.argv.slice(2))).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
