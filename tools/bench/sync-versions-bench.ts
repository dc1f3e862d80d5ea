/**
 * Times sync-versions against the old placeholder replacer's algorithm
 * (tools/bench/old_layers_versions_changer.py, run with python3) on the
 * same tree of 1,000 templates in nested folders: YAML (`.yaml`, `.yml`)
 * and JSON, half of them using the sosw layer with its placeholder. The
 * old algorithm runs as described, then with `--all-files`, which reaches
 * every template as sync-versions does.
 *
 * Usage: node -r @swc-node/register tools/bench/sync-versions-bench.ts
 *          [--runs N] [--warmup N] [--concurrency N] [--fresh]
 *
 * sync-versions is timed as the library calls the executor makes
 * (`findTemplateFiles` and `syncFiles` in write mode with a given version,
 * so no AWS call), inside this process. The Python baseline is timed as a
 * whole `python3` process, interpreter start included, because that is how
 * the old script ran. Both choices favour sync-versions: it pays for no
 * Node.js start, module loading or JIT warm-up, so the output prints the
 * start time of an empty `python3` process beside the figures. In the other
 * direction, sync-versions writes each changed file through a temporary
 * file and a rename, which creates a new inode per file, while the old
 * algorithm rewrites files in place.
 *
 * The two tools run in alternation: first `--warmup` rounds (3 by
 * default), untimed, then N timed rounds (5 by default); medians are
 * compared. The warm-up fills the page cache for both, and lets V8
 * optimize the functions of sync-versions. With `--trace-opt`, V8 still
 * compiled hot functions such as `parseTemplate` during the third run
 * over the tree. The first three runs took about twice as long as the
 * later ones. The output also prints each tool's first run, before
 * any warm-up, which is what a single `nx run` pays.
 *
 * The working tree is written once. Before every timed run, of either
 * tool, each file is restored by writing its original bytes into it in
 * place, so every run replaces placeholders and the restore frees no
 * inode. Deleting and copying the tree before each run, as an earlier
 * version of this bench did, freed about 2,100 inodes just before
 * sync-versions created its 500 temporary files. ext4 skips recently freed
 * inodes when it allocates one (`recently_deleted` in fs/ext4/ialloc.c),
 * and that made each creation cost 0.5 to 0.9 ms instead of about 0.07 ms,
 * a cost the in-place Python writes never pay. For the same reason the
 * tree stays in the temporary folder after a run, and the next run
 * restores it in place instead of deleting it and writing it again. Delete
 * the folder by hand when done (the output names it). `--fresh` writes a
 * new tree.
 *
 * The restore ends with `sync`, so that no timed run shares the disk with
 * the kernel writing back the 1,000 files restored just before it, or the
 * files the other tool wrote. Without it, one bench run in six gave
 * sync-versions a median nearly twice that of the others.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { normalizeLayerConfig } from '../../packages/nx-lambda-layers/src/lib/layer-config';
import { findTemplateFiles } from '../../packages/nx-lambda-layers/src/lib/sync/files';
import {
  summarize,
  SYNC_CONCURRENCY,
  syncFiles,
} from '../../packages/nx-lambda-layers/src/lib/sync/sync';

const TEMPLATE_COUNT = 1_000;
/** Templates written straight into the tree's top folder. */
const TOP_LEVEL_COUNT = 10;
const VERSION = 42;
const BENCH_DIR = join(tmpdir(), 'nx-lambda-layers-sync-bench');
const WORK_DIR = join(BENCH_DIR, 'work');
const PYTHON_SCRIPT = join(__dirname, 'old_layers_versions_changer.py');

const SOSW = normalizeLayerConfig(
  { layerName: 'sosw', ssmParameter: '/lambda-layers/sosw/arn' },
  'apps/sosw-layer/layer.json',
);

const SUB_ARN =
  'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER';
const OTHER_ARN =
  'arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68';

function yamlTemplate(index: number, usesLayer: boolean): string {
  const layer = usesLayer ? `!Sub "${SUB_ARN}"` : OTHER_ARN;
  return [
    `# stack ${index}`,
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    `  Function${index}:`,
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: python3.12',
    '      Handler: app.handler',
    '      CodeUri: src/',
    '      Layers:',
    `        - ${layer}`,
    '  Queue:',
    '    Type: AWS::SQS::Queue',
    '',
  ].join('\n');
}

function jsonTemplate(index: number, usesLayer: boolean): string {
  const layer = usesLayer ? { 'Fn::Sub': SUB_ARN } : OTHER_ARN;
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      [`Function${index}`]: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Runtime: 'python3.12',
          Handler: 'app.handler',
          Layers: [layer],
        },
      },
    },
  };
  return `${JSON.stringify(template, null, 2)}\n`;
}

/** File name and text of template `index`: a third each .yaml, .yml, .json. */
function templateFile(index: number): [string, string] {
  const usesLayer = index % 2 === 0;
  const kind = index % 3;
  if (kind === 2) {
    return [`stack-${index}.json`, jsonTemplate(index, usesLayer)];
  }
  const extension = kind === 0 ? 'yaml' : 'yml';
  return [`template-${index}.${extension}`, yamlTemplate(index, usesLayer)];
}

/** A file of the tree: absolute path and original bytes. */
interface TreeFile {
  path: string;
  bytes: Buffer;
}

/**
 * Returns the tree's files with their original bytes. An existing tree of
 * the same shape is kept and restored, unless `fresh`.
 */
function makeTree(fresh: boolean): TreeFile[] {
  const files = treeFiles();
  if (!fresh && files.every((file) => existsSync(file.path))) {
    restoreTree(files);
    return files;
  }
  rmSync(BENCH_DIR, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.bytes);
  }
  return files;
}

/** Lists the tree's files: a few templates on top, the rest three folders deep. */
function treeFiles(): TreeFile[] {
  const files: TreeFile[] = [];
  for (let index = 0; index < TEMPLATE_COUNT; index++) {
    const folder =
      index < TOP_LEVEL_COUNT
        ? WORK_DIR
        : join(
            WORK_DIR,
            `team-${index % 10}`,
            `service-${Math.floor(index / 10) % 10}`,
            `stack-${index}`,
          );
    const [name, text] = templateFile(index);
    files.push({ path: join(folder, name), bytes: Buffer.from(text) });
  }
  return files;
}

/**
 * Writes each file's original bytes into it, allocating no inode, then
 * flushes them to disk with `sync`.
 */
function restoreTree(files: TreeFile[]): void {
  for (const file of files) writeFileSync(file.path, file.bytes);
  const flush = spawnSync('sync');
  if (flush.status !== 0) {
    throw new Error(`sync failed with exit status ${flush.status}`);
  }
}

async function syncTree(concurrency: number) {
  const search = await findTemplateFiles(WORK_DIR, ['.']);
  return syncFiles(
    search.files,
    {
      workspaceRoot: WORK_DIR,
      layers: [SOSW],
      versions: new Map([[SOSW.layerName, VERSION]]),
      mode: 'write',
    },
    concurrency,
  );
}

async function runSyncVersions(
  concurrency: number,
): Promise<{ ms: number; references: number }> {
  const start = process.hrtime.bigint();
  const results = await syncTree(concurrency);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const summary = summarize(results);
  if (summary.errors > 0) throw new Error('sync-versions reported errors');
  return { ms, references: summary.references };
}

function runPython(allFiles: boolean): { ms: number; references: number } {
  const start = process.hrtime.bigint();
  const run = spawnSync(
    'python3',
    [
      PYTHON_SCRIPT,
      '--version',
      String(VERSION),
      ...(allFiles ? ['--all-files'] : []),
    ],
    { cwd: WORK_DIR, encoding: 'utf8' },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  const references = Number(/references=(\d+)/.exec(run.stdout)?.[1]);
  return { ms, references };
}

/** Time of an empty `python3` process: the baseline's fixed cost. */
function runPythonStart(): number {
  const start = process.hrtime.bigint();
  const run = spawnSync('python3', ['-c', 'pass']);
  if (run.status !== 0) throw new Error('python3 -c pass failed');
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Value of a positive integer option, or `fallback` when it is absent. */
function integerOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`invalid ${name}; use a positive integer`);
  }
  return value;
}

/** Timings of one round: each tool once, in alternation. */
interface Round {
  ours: { ms: number; references: number };
  old: { ms: number; references: number };
  all: { ms: number; references: number };
}

async function runRound(tree: TreeFile[], concurrency: number): Promise<Round> {
  restoreTree(tree);
  const ours = await runSyncVersions(concurrency);
  restoreTree(tree);
  const old = runPython(false);
  restoreTree(tree);
  const all = runPython(true);
  return { ours, old, all };
}

async function main(): Promise<void> {
  const runs = integerOption('--runs', 5);
  const warmups = integerOption('--warmup', 3);
  const concurrency = integerOption('--concurrency', SYNC_CONCURRENCY);
  const tree = makeTree(process.argv.includes('--fresh'));
  const first = await runRound(tree, concurrency);
  for (let round = 1; round < warmups; round++) {
    await runRound(tree, concurrency);
  }

  const timings = {
    node: [] as number[],
    old: [] as number[],
    all: [] as number[],
    pythonStart: [] as number[],
  };
  const references = { node: 0, old: 0, all: 0 };
  for (let run = 0; run < runs; run++) {
    const { ours, old, all } = await runRound(tree, concurrency);
    timings.node.push(ours.ms);
    timings.old.push(old.ms);
    timings.all.push(all.ms);
    timings.pythonStart.push(runPythonStart());
    Object.assign(references, {
      node: ours.references,
      old: old.references,
      all: all.references,
    });
  }

  const line = (label: string, values: number[], count: number) =>
    console.log(
      `${label}: median ${median(values).toFixed(1)} ms of ${runs}, ` +
        `${count} references updated`,
    );
  console.log(
    `templates: ${TEMPLATE_COUNT} (${TOP_LEVEL_COUNT} in the top folder), ` +
      `half using the layer; ${cpus().length} CPUs (${cpus()[0]?.model})`,
  );
  console.log(
    'restore before each run: original bytes written in place, then sync',
  );
  line(
    `sync-versions (library call in this process, atomic writes, ` +
      `concurrency ${concurrency})`,
    timings.node,
    references.node,
  );
  line(
    'old algorithm (whole python3 process, in-place writes)',
    timings.old,
    references.old,
  );
  line('old algorithm on all files (--all-files)', timings.all, references.all);
  console.log(
    `python3 start alone (python3 -c pass): median ` +
      `${median(timings.pythonStart).toFixed(1)} ms of ${runs}, ` +
      'included in both python3 figures',
  );
  const ratio = (other: number[]) =>
    (median(timings.node) / median(other)).toFixed(2);
  console.log(`ratio sync-versions / old: ${ratio(timings.old)}`);
  console.log(`ratio sync-versions / old on all files: ${ratio(timings.all)}`);
  console.log(
    `first run, before the warm-up: sync-versions ` +
      `${first.ours.ms.toFixed(1)} ms, old algorithm ` +
      `${first.old.ms.toFixed(1)} ms (ratio ` +
      `${(first.ours.ms / first.old.ms).toFixed(2)})`,
  );
  restoreTree(tree);
  console.log(`tree kept for the next run in ${BENCH_DIR}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
