import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ExecutorContext } from '@nx/devkit';
import {
  captureLogs,
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import syncVersionsExecutor from './executor';
import type { SyncVersionsExecutorSchema } from './schema';

useEmulator();
const logs = captureLogs();

const PLACEHOLDER_ARN =
  'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER';

const TEMPLATE = [
  'Transform: AWS::Serverless-2016-10-31',
  'Resources:',
  '  Fn:',
  '    Type: AWS::Serverless::Function',
  '    Properties:',
  '      Layers:',
  `        - !Sub "${PLACEHOLDER_ARN}"`,
  '',
].join('\n');

const synced = (version: number) =>
  TEMPLATE.replace('SOSW_LAYER_PLACEHOLDER', String(version));

let workspaceRoot: string;
/** Calls of the clients factory in the current test. */
let awsCalls: string[];

/** Real clients against the emulator; records the commands they send. */
const recordingClients: AwsClientsFactory = async (options) => {
  const clients = await createAwsClients(options);
  awsCalls.push('create clients');
  const lambda = recordCommands(clients.lambda);
  const ssm = recordCommands(clients.ssm);
  sentCommands = () => [...lambda, ...ssm];
  return clients;
};

let sentCommands: () => string[] = () => [];

beforeEach(() => {
  awsCalls = [];
  sentCommands = () => [];
  workspaceRoot = mkdtempSync(join(tmpdir(), 'sync-executor-'));
  write(
    'apps/sosw-layer/layer.json',
    JSON.stringify({
      layerName: `sosw`,
      ssmParameter: '/lambda-layers/sosw/arn',
    }),
  );
  write('apps/orders/template.yaml', TEMPLATE);
  write('apps/reports/template.yaml', TEMPLATE);
  write('apps/unrelated/template.yaml', TEMPLATE);
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

function write(path: string, text: string) {
  const absolute = join(workspaceRoot, path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, text);
}

function read(path: string): string {
  return readFileSync(join(workspaceRoot, path), 'utf8');
}

/** Returns a context where orders and reports depend on the layer project. */
function context(projectName = 'sosw-layer'): ExecutorContext {
  const project = (root: string) => ({ root });
  const dependency = (source: string) => [
    { source, target: 'sosw-layer', type: 'static' },
  ];
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName,
    projectsConfigurations: {
      version: 2,
      projects: {
        'sosw-layer': project('apps/sosw-layer'),
        'extras-layer': project('apps/extras-layer'),
        orders: project('apps/orders'),
        reports: project('apps/reports'),
        unrelated: project('apps/unrelated'),
      },
    },
    projectGraph: {
      nodes: {},
      dependencies: {
        orders: dependency('orders'),
        reports: dependency('reports'),
        unrelated: [],
        'sosw-layer': [],
        'extras-layer': [],
      },
    },
    nxJsonConfiguration: {},
  } as unknown as ExecutorContext;
}

function run(options: SyncVersionsExecutorSchema) {
  return syncVersionsExecutor(options, context(), recordingClients);
}

describe('sync-versions executor: two layers at once', () => {
  const BOTH = [
    'Resources:',
    '  Fn:',
    '    Type: AWS::Lambda::Function',
    '    Properties:',
    '      Layers:',
    `        - !Sub "${PLACEHOLDER_ARN}"`,
    `        - !Sub "${PLACEHOLDER_ARN.replace(/sosw:SOSW/, 'extras:EXTRAS')}"`,
    '',
  ].join('\n');

  it("keeps both layers' updates", async () => {
    write(
      'apps/extras-layer/layer.json',
      JSON.stringify({
        layerName: 'extras',
        ssmParameter: '/lambda-layers/extras/arn',
      }),
    );
    const paths = Array.from(
      { length: 300 },
      (_, index) => `apps/stack-${index}/template.yaml`,
    );
    for (const path of paths) write(path, BOTH);

    const results = await Promise.all([
      syncVersionsExecutor(
        { layerVersion: 7, scope: 'workspace' },
        context('sosw-layer'),
        recordingClients,
      ),
      syncVersionsExecutor(
        { layerVersion: 8, scope: 'workspace' },
        context('extras-layer'),
        recordingClients,
      ),
    ]);

    expect(results).toEqual([{ success: true }, { success: true }]);
    const expected = BOTH.replace('SOSW_LAYER_PLACEHOLDER', '7').replace(
      'EXTRAS_LAYER_PLACEHOLDER',
      '8',
    );
    const stale = paths.filter((path) => read(path) !== expected);
    expect(stale).toEqual([]);
  });
});

describe('sync-versions executor', () => {
  it('syncs the dependent projects only', async () => {
    const result = await run({ layerVersion: 7 });

    expect(result).toEqual({ success: true });
    expect(read('apps/orders/template.yaml')).toBe(synced(7));
    expect(read('apps/reports/template.yaml')).toBe(synced(7));
    expect(read('apps/unrelated/template.yaml')).toBe(TEMPLATE);
    expect(awsCalls).toEqual([]);
    expect(logs).toContain(
      'info: layer sosw: 2 files searched, 2 templates, 2 references; 2 changed',
    );
  });

  it('scope workspace syncs every project', async () => {
    await run({ layerVersion: 7, scope: 'workspace' });

    expect(read('apps/unrelated/template.yaml')).toBe(synced(7));
  });

  it('check fails on stale references', async () => {
    const result = await run({ layerVersion: 7, check: true });

    expect(result).toEqual({ success: false });
    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(logs).toContain(
      'info: stale: apps/orders/template.yaml:7:76: layer sosw version ' +
        'SOSW_LAYER_PLACEHOLDER, expected 7',
    );
  });

  it('check passes after a sync', async () => {
    await run({ layerVersion: 7 });

    const result = await run({ layerVersion: 7, check: true });

    expect(result).toEqual({ success: true });
  });

  it('dry run prints a diff', async () => {
    const result = await run({ layerVersion: 7, dryRun: true });

    expect(result).toEqual({ success: true });
    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(logs.join('\n')).toContain(
      `-        - !Sub "${PLACEHOLDER_ARN}"\n` +
        `+        - !Sub "${PLACEHOLDER_ARN.replace('SOSW_LAYER_PLACEHOLDER', '7')}"`,
    );
  });

  it('dry run keeps CR of the last line', async () => {
    write('apps/orders/template.yaml', TEMPLATE.replace(/\n/g, '\r\n'));

    await run({ layerVersion: 7, dryRun: true, paths: ['apps/orders'] });

    const diff = logs.find((line) => line.startsWith('info: --- a/'));
    const arn = PLACEHOLDER_ARN.replace('SOSW_LAYER_PLACEHOLDER', '7');
    expect(diff?.endsWith(`+        - !Sub "${arn}"\r`)).toBe(true);
  });

  it('render writes copies under dist', async () => {
    const result = await run({ layerVersion: 7, render: true });

    expect(result).toEqual({ success: true });
    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(read('dist/apps/orders/template.yaml')).toBe(synced(7));
  });

  it.each([
    ['.', 'the workspace root, so the copies would replace the sources'],
    ['', 'the workspace root, so the copies would replace the sources'],
    ['apps/..', 'the workspace root, so the copies would replace the sources'],
    ['../rendered', 'outside the workspace'],
    ['/tmp/rendered', 'outside the workspace'],
  ])('render rejects render dir %j', async (renderDir, problem) => {
    const result = await run({ layerVersion: 7, render: true, renderDir });

    expect(result).toEqual({ success: false });
    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(logs).toContain(
      `error: sync-versions failed for sosw-layer: --render-dir "${renderDir}" ` +
        `is ${problem}; pass a folder inside the workspace, relative to ` +
        'its root, such as dist',
    );
  });

  it('to-ssm rewrites without AWS calls', async () => {
    const result = await run({ toSsm: true });

    expect(result).toEqual({ success: true });
    expect(read('apps/orders/template.yaml')).toContain('- !Ref SoswLayerArn');
    expect(awsCalls).toEqual([]);
  });

  it('invalid template fails the run at the end', async () => {
    write('apps/orders/template.yaml', `Resources:\n  Fn: [\n${TEMPLATE}`);

    const result = await run({ layerVersion: 7 });

    expect(result).toEqual({ success: false });
    expect(read('apps/reports/template.yaml')).toBe(synced(7));
    expect(
      logs.some((line) =>
        /^error: apps\/orders\/template\.yaml:3:1: /.test(line),
      ),
    ).toBe(true);
  });

  it('succeeds when nothing depends on the layer', async () => {
    const isolated = context();
    isolated.projectGraph.dependencies = {};

    const result = await syncVersionsExecutor(
      { layerVersion: 7 },
      isolated,
      recordingClients,
    );

    expect(result).toEqual({ success: true });
    expect(read('apps/orders/template.yaml')).toBe(TEMPLATE);
    expect(logs[0]).toMatch(/^info: no project depends on sosw-layer/);
  });

  it('rejects exclusive options', async () => {
    const result = await run({ layerVersion: 7, check: true, render: true });

    expect(result).toEqual({ success: false });
    expect(logs).toContain(
      'error: sync-versions failed for sosw-layer: options check and render ' +
        'exclude each other; pass one of them',
    );
  });

  it('rejects paths outside the workspace', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'sync-outside-'));
    writeFileSync(join(outside, 'template.yaml'), TEMPLATE);
    const relativePath = relative(workspaceRoot, outside);

    try {
      const result = await run({ layerVersion: 7, paths: [relativePath] });

      expect(result).toEqual({ success: false });
      expect(readFileSync(join(outside, 'template.yaml'), 'utf8')).toBe(
        TEMPLATE,
      );
      expect(logs).toContain(
        `error: sync-versions failed for sosw-layer: path ${relativePath} ` +
          'is outside the workspace; pass folders inside it, relative to ' +
          'the workspace root',
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('rejects a symlinked path leading outside', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'sync-outside-'));
    writeFileSync(join(outside, 'template.yaml'), TEMPLATE);
    symlinkSync(outside, join(workspaceRoot, 'apps/linked'));

    try {
      const result = await run({ layerVersion: 7, paths: ['apps/linked'] });

      expect(result).toEqual({ success: false });
      expect(readFileSync(join(outside, 'template.yaml'), 'utf8')).toBe(
        TEMPLATE,
      );
      expect(logs).toContain(
        'error: sync-versions failed for sosw-layer: path apps/linked ' +
          `leads outside the workspace, to ${realpathSync(outside)}; pass ` +
          'folders inside it, relative to the workspace root',
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('rejects a path that is a file', async () => {
    const path = 'apps/orders/template.yaml';

    const result = await run({ layerVersion: 7, paths: [path] });

    expect(result).toEqual({ success: false });
    expect(read(path)).toBe(TEMPLATE);
    expect(logs).toContain(
      `error: sync-versions failed for sosw-layer: path ${path} is not a ` +
        'folder; pass folders, relative to the workspace root',
    );
  });

  it('rejects an empty path', async () => {
    const result = await run({ layerVersion: 7, paths: ['apps/orders', ''] });

    expect(result).toEqual({ success: false });
    expect(read('apps/unrelated/template.yaml')).toBe(TEMPLATE);
    expect(logs).toContain(
      'error: sync-versions failed for sosw-layer: --paths contains an ' +
        'empty path; pass folders, relative to the workspace root, or . ' +
        'for the whole workspace',
    );
  });

  it('rejects paths that do not exist', async () => {
    const result = await run({ layerVersion: 7, paths: ['apps/ordres'] });

    expect(result).toEqual({ success: false });
    expect(logs).toContain(
      'error: sync-versions failed for sosw-layer: path apps/ordres not ' +
        'found in the workspace; pass existing folders, relative to the ' +
        'workspace root',
    );
  });

  it('reads the version from SSM', async () => {
    const ssm = new SSMClient({});
    await ssm.send(
      new PutParameterCommand({
        Name: '/lambda-layers/sosw/arn',
        Value: 'arn:aws:lambda:us-east-1:123456789012:layer:sosw:31',
        Type: 'String',
        Overwrite: true,
      }),
    );
    ssm.destroy();

    const result = await run({});

    expect(result).toEqual({ success: true });
    expect(read('apps/orders/template.yaml')).toBe(synced(31));
    expect(logs).toContain('info: layer sosw version 31 (from ssm)');
    expect(sentCommands()).toEqual(['GetParameterCommand']);
  });

  it('reads the version from the publish result', async () => {
    write(
      'dist/apps/sosw-layer/publish-result.json',
      JSON.stringify({
        layerName: 'sosw',
        region: process.env.AWS_REGION,
        version: 44,
      }),
    );

    await run({});

    expect(read('apps/orders/template.yaml')).toBe(synced(44));
    expect(logs).toContain('info: layer sosw version 44 (from publish-result)');
  });
});
