import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../tools/emulator/emulator';
import { readParameter, readStackLayers } from '../../tools/demo/stack-report';
import {
  copyWorkspaceToGitRepo,
  removeWorkspace,
  runNx,
  type NxRun,
} from './workspace-copy';

const REGION = 'us-east-1';
const DEMO_STACKS = ['orders-api', 'reports-worker'];
const OTHER_STACKS = ['audit-log', 'legacy-sosw-worker'];
const LAYER_PARAMETER = '/lambda-layers/nxll-demo/arn';

function expectSuccess(run: NxRun): void {
  if (run.status !== 0) {
    throw new Error(`nx exited with ${run.status}:\n${run.output}`);
  }
}

async function stackExists(name: string): Promise<boolean> {
  const client = new CloudFormationClient({ region: REGION });
  try {
    await client.send(new DescribeStacksCommand({ StackName: name }));
    return true;
  } catch (error) {
    if (String((error as Error).message).includes('does not exist')) {
      return false;
    }
    throw error;
  }
}

describe('nx affected -t deploy on the example workspace', () => {
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

  it('deploys the demo stacks on layer version 1', async () => {
    expectSuccess(
      runNx(
        workspace,
        ['run-many', '-t', 'deploy', '-p', DEMO_STACKS.join(',')],
        emulator.env,
      ),
    );

    const layerArn = await readParameter(LAYER_PARAMETER, REGION);
    expect(layerArn).toMatch(/:layer:nxll-demo:1$/);
    const reports = await readStackLayers(DEMO_STACKS, REGION);
    for (const report of reports) {
      expect(report.layerArns).toEqual({ DemoLayerArn: layerArn });
    }
  });

  it('marks exactly the layer and its stacks affected by a requirement', () => {
    appendFileSync(
      join(workspace, 'apps/demo-layer/requirements.txt'),
      'farewell==1.0.0\n',
    );

    const run = runNx(
      workspace,
      ['show', 'projects', '--affected', '--json'],
      emulator.env,
    );
    expectSuccess(run);
    const affected = JSON.parse(
      run.output.slice(run.output.indexOf('[')),
    ) as string[];
    expect(affected.sort()).toEqual(['demo-layer', ...DEMO_STACKS].sort());
  });

  it('publishes version 2 and redeploys only the dependent stacks', async () => {
    const run = runNx(
      workspace,
      ['affected', '-t', 'deploy', '--parallel=2'],
      emulator.env,
    );
    expectSuccess(run);

    const layerArn = await readParameter(LAYER_PARAMETER, REGION);
    expect(layerArn).toMatch(/:layer:nxll-demo:2$/);
    for (const report of await readStackLayers(DEMO_STACKS, REGION)) {
      expect(report.layerArns).toEqual({ DemoLayerArn: layerArn });
      expect(report.status).toBe('UPDATE_COMPLETE');
    }
    for (const stack of OTHER_STACKS) {
      expect(await stackExists(stack)).toBe(false);
    }
    const lambda = new LambdaClient({ region: REGION });
    const { LayerVersions } = await lambda.send(
      new ListLayerVersionsCommand({ LayerName: 'nxll-demo' }),
    );
    expect(LayerVersions?.map((version) => version.Version).sort()).toEqual([
      1, 2,
    ]);
    expect(run.output.match(/nx run demo-layer:publish/g)).toHaveLength(1);
  });

  it('publishes nothing when run again with the same inputs', async () => {
    expectSuccess(runNx(workspace, ['affected', '-t', 'deploy'], emulator.env));

    const lambda = new LambdaClient({ region: REGION });
    const { LayerVersions } = await lambda.send(
      new ListLayerVersionsCommand({ LayerName: 'nxll-demo' }),
    );
    expect(LayerVersions).toHaveLength(2);
  });
});
