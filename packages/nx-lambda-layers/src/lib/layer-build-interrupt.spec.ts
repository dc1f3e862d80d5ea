import { logger } from '@nx/devkit';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer } from './layer-build';
import { normalizeLayerConfig } from './layer-config';
import { buildWheel } from './python-wheel';

const pipEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('PIP_')),
  ),
  PIP_CONFIG_FILE: devNull,
  PIP_ROOT_USER_ACTION: 'ignore',
};
const projectRoot = 'apps/demo-layer';

let workspaceRoot: string;

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'layer-build-interrupt-'));
  mkdirSync(join(workspaceRoot, projectRoot), { recursive: true });
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(workspaceRoot, { recursive: true, force: true });
});

function config(packages: string[]) {
  return normalizeLayerConfig(
    {
      layerName: 'demo',
      ssmParameter: '/lambda-layers/demo/arn',
      packages,
      pip: { noIndex: true, findLinks: [join(workspaceRoot, 'wheels')] },
    },
    'layer.json',
  );
}

/**
 * Starts a build in a child process whose interpreter is a wrapper: it runs
 * the real pip, then writes a marker file and waits, so the test can kill
 * the build after pip has filled the staging folder.
 */
function startBuildThatWaits(marker: string) {
  const wrapper = join(workspaceRoot, 'python-then-wait');
  writeFileSync(
    wrapper,
    '#!/bin/sh\npython3 "$@" || exit $?\n' +
      `case "$*" in *install*) touch '${marker}'; sleep 60;; esac\n`,
  );
  chmodSync(wrapper, 0o755);
  const script = [
    `const { buildLayer } = require(${JSON.stringify(join(__dirname, 'layer-build.ts'))});`,
    `const { createPipClient } = require(${JSON.stringify(join(__dirname, 'pip.ts'))});`,
    'const options = JSON.parse(process.env.BUILD_OPTIONS);',
    `buildLayer({ ...options, pipClient: createPipClient(${JSON.stringify(wrapper)}) });`,
  ].join('\n');
  const options = {
    workspaceRoot,
    projectRoot,
    config: config(['demo-dep==2.0']),
    env: pipEnv,
  };
  return spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    env: { ...pipEnv, BUILD_OPTIONS: JSON.stringify(options) },
    detached: true,
    stdio: 'ignore',
  });
}

async function waitFor(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) {
      throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('buildLayer interrupted', () => {
  it('keeps the previous zip after a kill', async () => {
    for (const version of ['1.0', '2.0']) {
      await buildWheel(
        { name: 'demo-dep', version, files: { 'demo_dep.py': 'X = 1\n' } },
        join(workspaceRoot, 'wheels'),
      );
    }
    await buildLayer({
      workspaceRoot,
      projectRoot,
      config: config(['demo-dep==1.0']),
      env: pipEnv,
    });
    const outputDir = join(workspaceRoot, 'dist', projectRoot);
    const zipBefore = readFileSync(join(outputDir, 'layer.zip'));
    const manifestBefore = readFileSync(join(outputDir, 'layer.manifest.json'));
    const marker = join(workspaceRoot, 'pip-finished');

    const child = startBuildThatWaits(marker);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(marker, 60_000);
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited;

    expect(existsSync(join(outputDir, '.staging/python/demo_dep.py'))).toBe(
      true,
    );
    expect(readFileSync(join(outputDir, 'layer.zip')).equals(zipBefore)).toBe(
      true,
    );
    expect(
      readFileSync(join(outputDir, 'layer.manifest.json')).equals(
        manifestBefore,
      ),
    ).toBe(true);
  });
});
