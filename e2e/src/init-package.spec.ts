import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWheel } from '../../packages/nx-lambda-layers/src/lib/python-wheel';
import {
  copyWorkspaceToGitRepo,
  git,
  removeWorkspace,
  runNx,
  type NxRun,
} from './workspace-copy';

/** Runs nx in the new workspace, without --output-style for generators. */
function nx(cwd: string, args: string[]): NxRun {
  const result = spawnSync(join(cwd, 'node_modules', '.bin', 'nx'), args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
      PIP_CONFIG_FILE: devNull,
    },
    timeout: 300_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function expectSuccess(run: NxRun): void {
  if (run.status !== 0) {
    throw new Error(`nx exited with ${run.status}:\n${run.output}`);
  }
}

/**
 * Builds and packs the plugin in a copy of this workspace and installs the
 * tarball into a new, empty Nx workspace, as a user installs it from npm.
 * The npm registry provides nx itself and the plugin's dependencies.
 */
describe('init from the packed plugin', () => {
  let source: string;
  let packDir: string;
  let workspace: string;

  beforeAll(() => {
    source = copyWorkspaceToGitRepo();
    expectSuccess(runNx(source, ['build', 'nx-lambda-layers'], {}));
    packDir = mkdtempSync(join(tmpdir(), 'nxll-pack-'));
    execFileSync('npm', ['pack', '--pack-destination', packDir], {
      cwd: join(source, 'dist/packages/nx-lambda-layers'),
      stdio: 'pipe',
    });
    const [tarball] = readdirSync(packDir);

    workspace = mkdtempSync(join(tmpdir(), 'nxll-empty-'));
    writeFileSync(
      join(workspace, 'package.json'),
      JSON.stringify({ name: 'empty', version: '0.0.0', private: true }),
    );
    writeFileSync(join(workspace, 'nx.json'), JSON.stringify({}));
    git(workspace, ['init', '-q', '-b', 'main']);
    execFileSync(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--save-dev',
        'nx@23.2.1',
        join(packDir, tarball),
      ],
      { cwd: workspace, stdio: 'pipe' },
    );
  });

  afterAll(() => {
    for (const root of [source, packDir, workspace]) {
      if (root) removeWorkspace(root);
    }
  });

  it('registers the plugin in nx.json', () => {
    expectSuccess(nx(workspace, ['g', 'nx-lambda-layers:init']));

    const nxJson = JSON.parse(readFileSync(join(workspace, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toEqual([
      expect.objectContaining({
        plugin: 'nx-lambda-layers',
        options: expect.objectContaining({ buildTargetName: 'build' }),
      }),
    ]);
    const packageJson = JSON.parse(
      readFileSync(join(workspace, 'package.json'), 'utf8'),
    );
    expect(packageJson.devDependencies['nx-lambda-layers']).toMatch(
      /^file:.*nx-lambda-layers-0\.1\.0\.tgz$/,
    );
  });

  it('changes nothing when run again', () => {
    const nxJson = readFileSync(join(workspace, 'nx.json'), 'utf8');
    const packageJson = readFileSync(join(workspace, 'package.json'), 'utf8');

    expectSuccess(nx(workspace, ['g', 'nx-lambda-layers:init']));

    expect(readFileSync(join(workspace, 'nx.json'), 'utf8')).toBe(nxJson);
    expect(readFileSync(join(workspace, 'package.json'), 'utf8')).toBe(
      packageJson,
    );
  });

  it('builds a generated layer with the packed executors', async () => {
    expectSuccess(
      nx(workspace, [
        'g',
        'nx-lambda-layers:layer',
        'tools',
        '--packages=toolbox==1.0.0',
        '--no-interactive',
      ]),
    );
    const wheels = join(workspace, 'wheels');
    mkdirSync(wheels);
    await buildWheel(
      {
        name: 'toolbox',
        version: '1.0.0',
        files: { 'toolbox/__init__.py': 'VALUE = 1\n' },
      },
      wheels,
    );
    const layerJsonPath = join(workspace, 'apps/tools/layer.json');
    const layerJson = JSON.parse(readFileSync(layerJsonPath, 'utf8'));
    layerJson.pip = { noIndex: true, findLinks: ['wheels'] };
    writeFileSync(layerJsonPath, JSON.stringify(layerJson));

    const run = nx(workspace, ['build', 'tools', '--output-style=static']);

    expectSuccess(run);
    const manifest = JSON.parse(
      readFileSync(
        join(workspace, 'dist/apps/tools/layer.manifest.json'),
        'utf8',
      ),
    );
    expect(manifest.packages).toEqual([{ name: 'toolbox', version: '1.0.0' }]);
  });
});
