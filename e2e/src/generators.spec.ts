import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  appendFileSync,
  existsSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../tools/emulator/emulator';
import {
  copyWorkspaceToGitRepo,
  git,
  removeWorkspace,
  runNx,
  type NxRun,
} from './workspace-copy';

const REGION = 'us-east-1';

// moto runs no SAM transform (it skips Serverless resources), so the
// deployed function uses the plain CloudFormation template.
const GENERATE = [
  'g',
  'nx-lambda-layers:lambda',
  'my-func',
  '--layer=demo-layer',
  '--templateType=cloudformation',
  '--no-interactive',
];

/**
 * Runs `nx g` like `runNx`, but without `--output-style`, which nx passes
 * to the generator as an option its schema does not allow.
 */
function runGenerator(cwd: string, args: string[]): NxRun {
  const result = spawnSync(join(cwd, 'node_modules', '.bin', 'nx'), args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function expectSuccess(run: NxRun): void {
  if (run.status !== 0) {
    throw new Error(`nx exited with ${run.status}:\n${run.output}`);
  }
}

describe('lambda generator with the nx CLI', () => {
  let emulator: Emulator;
  let workspace: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    emulator = await startEmulator();
    Object.assign(process.env, emulator.env);
    workspace = copyWorkspaceToGitRepo();
  });

  afterAll(async () => {
    process.env = savedEnv;
    await emulator?.stop();
    if (workspace) {
      removeWorkspace(workspace);
    }
  });

  it('lists the files of a dry run', () => {
    const run = runGenerator(workspace, [...GENERATE, '--dry-run']);

    expectSuccess(run);
    expect(run.output).toContain('CREATE apps/my-func/template.yaml');
    expect(run.output).toContain('CREATE apps/my-func/tests/test_app.py');
    expect(existsSync(join(workspace, 'apps/my-func'))).toBe(false);
  });

  it('creates the project', () => {
    expectSuccess(runGenerator(workspace, GENERATE));

    expect(existsSync(join(workspace, 'apps/my-func/template.yaml'))).toBe(
      true,
    );
  });

  it('fails a second time, naming the project', () => {
    const template = readFileSync(
      join(workspace, 'apps/my-func/template.yaml'),
      'utf8',
    );

    const run = runGenerator(workspace, [
      ...GENERATE,
      '--directory=apps/other',
    ]);

    expect(run.status).not.toBe(0);
    expect(run.output).toContain('project my-func already exists');
    expect(existsSync(join(workspace, 'apps/other'))).toBe(false);
    expect(
      readFileSync(join(workspace, 'apps/my-func/template.yaml'), 'utf8'),
    ).toBe(template);
  });

  it('shows the dependency in nx graph', () => {
    expectSuccess(
      runNx(workspace, ['graph', '--file=graph.json'], emulator.env),
    );

    const { graph } = JSON.parse(
      readFileSync(join(workspace, 'graph.json'), 'utf8'),
    ) as {
      graph: { dependencies: Record<string, { target: string }[]> };
    };
    const targets = graph.dependencies['my-func'].map((edge) => edge.target);
    expect(targets).toContain('demo-layer');
  });

  it('is affected by a layer requirement', () => {
    git(workspace, ['add', '-A']);
    git(workspace, ['commit', '-q', '-m', 'Add my-func']);
    appendFileSync(
      join(workspace, 'apps/demo-layer/requirements.txt'),
      'farewell==1.0.0\n',
    );

    const run = runNx(
      workspace,
      ['show', 'projects', '--affected', '-t', 'deploy', '--json'],
      emulator.env,
    );

    expectSuccess(run);
    const affected = JSON.parse(
      run.output.slice(run.output.indexOf('[')),
    ) as string[];
    expect(affected).toContain('my-func');
  });

  it('runs its tests on the layer packages', () => {
    writeFileSync(
      join(workspace, 'apps/my-func/tests/test_layer.py'),
      'from greeting import greet\n\n\n' +
        'def test_greeting_from_layer():\n' +
        '    assert "Ada" in greet("Ada")\n',
    );

    const run = runNx(workspace, ['test', 'my-func'], emulator.env);

    expectSuccess(run);
    expect(run.output).toContain('2 passed');
  });

  it('deploys on the emulator', async () => {
    expectSuccess(runNx(workspace, ['deploy', 'my-func'], emulator.env));

    const client = new CloudFormationClient({ region: REGION });
    const { Stacks } = await client.send(
      new DescribeStacksCommand({ StackName: 'my-func' }),
    );
    expect(Stacks?.[0].StackStatus).toBe('CREATE_COMPLETE');
    const { StackResources } = await client.send(
      new DescribeStackResourcesCommand({ StackName: 'my-func' }),
    );
    expect(StackResources?.map((resource) => resource.ResourceType)).toContain(
      'AWS::Lambda::Function',
    );
  });
});
