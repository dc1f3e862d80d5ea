/**
 * Times `nx show projects` cold (no daemon, no workspace data) in a generated
 * workspace of 500 stacks and 5 layers, with the plugin's inference on and
 * with the plugin registered but `inference: false`, and prints the median
 * of each and their ratio. Runs alternate between the two settings.
 *
 * It also times the plugin's createNodes function in this process on the
 * files that its broad pattern (`**\/*.{json,yaml,yml}`) matches and on the
 * files a narrow pattern would match, to show what the broad pattern costs.
 *
 * Usage: node -r @swc-node/register tools/bench/graph-bench.ts
 *          [--runs N] [--stacks N] [--layers N] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { minimatch } from 'minimatch';
import { generateWorkspace } from '../../e2e/src/generated-workspace';
import { createNodesV2 } from '../../packages/nx-lambda-layers/src/graph/create-nodes';

interface Options {
  runs: number;
  stacks: number;
  layers: number;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const number = (flag: string, fallback: number) => {
    const index = argv.indexOf(flag);
    const value = index >= 0 ? Number(argv[index + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(
        `invalid ${flag} ${argv[index + 1]}; use a positive integer`,
      );
    }
    return value;
  };
  return {
    runs: number('--runs', 5),
    stacks: number('--stacks', 500),
    layers: number('--layers', 5),
    keep: argv.includes('--keep'),
  };
}

function setPluginOptions(root: string, options: Record<string, unknown>) {
  writeFileSync(
    join(root, 'nx.json'),
    JSON.stringify({
      defaultBase: 'main',
      plugins: [{ plugin: 'nx-lambda-layers', options }],
    }),
  );
}

/** Runs `nx show projects` cold and returns its wall time in seconds. */
function timeShowProjects(root: string): { seconds: number; projects: number } {
  rmSync(join(root, '.nx'), { recursive: true, force: true });
  const started = performance.now();
  const result = spawnSync(
    join(root, 'node_modules/.bin/nx'),
    ['show', 'projects', '--json'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    throw new Error(
      `nx show projects failed:\n${result.stdout}${result.stderr}`,
    );
  }
  const projects = JSON.parse(
    result.stdout.slice(result.stdout.indexOf('[')),
  ) as string[];
  return { seconds, projects: projects.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

function listFiles(root: string, folder = root): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder)) {
    if (['node_modules', '.nx', '.git', 'packages'].includes(name)) continue;
    const path = join(folder, name);
    if (statSync(path).isDirectory()) files.push(...listFiles(root, path));
    else files.push(relative(root, path));
  }
  return files;
}

/**
 * Times createNodes in this process on the files of the broad pattern and
 * of a narrow one, median of `runs`, in milliseconds. Each run uses a new
 * options object so the in-process cache is not hit.
 */
async function timePatterns(root: string, runs: number) {
  const [pattern, createNodes] = createNodesV2;
  const files = listFiles(root);
  const broad = files.filter((file) => minimatch(file, pattern));
  const narrow = files.filter((file) =>
    minimatch(file, '**/{layer.json,template.{yaml,yml,json}}'),
  );
  const time = async (matched: string[], run: number) => {
    const context = { nxJsonConfiguration: {}, workspaceRoot: root };
    const started = performance.now();
    await createNodes(matched, { configEnv: `bench-${run}` }, context);
    return performance.now() - started;
  };
  // The first call also loads and compiles the parsers, so it is not timed.
  await time(broad, -1);
  const broadTimes: number[] = [];
  const narrowTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    // Alternating which list goes first keeps order effects out of the medians.
    if (run % 2 === 0) {
      broadTimes.push(await time(broad, run * 2));
      narrowTimes.push(await time(narrow, run * 2 + 1));
    } else {
      narrowTimes.push(await time(narrow, run * 2 + 1));
      broadTimes.push(await time(broad, run * 2));
    }
  }
  return {
    broadFiles: broad.length,
    narrowFiles: narrow.length,
    broadMs: median(broadTimes),
    narrowMs: median(narrowTimes),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = generateWorkspace({
    layers: options.layers,
    stacks: options.stacks,
    pythonPackages: options.layers,
  });
  console.log(
    `workspace ${root}: ${options.stacks} stacks, ${options.layers} layers; ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
  );
  try {
    const on: number[] = [];
    const off: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      setPluginOptions(root, {});
      const withInference = timeShowProjects(root);
      setPluginOptions(root, { inference: false });
      const without = timeShowProjects(root);
      on.push(withInference.seconds);
      off.push(without.seconds);
      console.log(
        `run ${run + 1}: inference on ${withInference.seconds.toFixed(2)} s ` +
          `(${withInference.projects} projects), off ${without.seconds.toFixed(2)} s ` +
          `(${without.projects} projects)`,
      );
    }
    const ratio = median(on) / median(off);
    console.log(
      `median of ${options.runs}: on ${median(on).toFixed(2)} s, ` +
        `off ${median(off).toFixed(2)} s, ratio ${ratio.toFixed(2)}`,
    );

    const patterns = await timePatterns(root, options.runs);
    console.log(
      `createNodes in process: broad pattern ${patterns.broadFiles} files ` +
        `${patterns.broadMs.toFixed(1)} ms, narrow pattern ` +
        `${patterns.narrowFiles} files ${patterns.narrowMs.toFixed(1)} ms`,
    );
  } finally {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
