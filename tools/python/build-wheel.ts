/**
 * Builds a pure-Python wheel from a workspace project folder that has a
 * `pyproject.toml`, without a Python build backend or a package index.
 *
 * Usage: node -r @swc-node/register tools/python/build-wheel.ts PROJECT_DIR OUT_DIR
 */
import { resolve } from 'node:path';
import { buildWheelFromProject } from '../../packages/nx-lambda-layers/src/lib/python-wheel';

async function main(argv: string[]): Promise<void> {
  const [projectDir, outDir] = argv;
  if (!projectDir || !outDir) {
    throw new Error(
      'usage: build-wheel.ts PROJECT_DIR OUT_DIR (PROJECT_DIR contains pyproject.toml)',
    );
  }
  const wheel = await buildWheelFromProject(
    resolve(projectDir),
    resolve(outDir),
  );
  console.log(`built ${wheel}`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
