import { logger, type CreateNodesContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { minimatch } from 'minimatch';
import {
  buildTargets,
  createNodesV2,
  selectProjectFiles,
} from './create-nodes';
import { normalizeOptions, type LambdaLayersPluginOptions } from './options';

const LAYER_JSON = JSON.stringify({
  layerName: 'sosw',
  ssmParameter: '/lambda-layers/sosw/arn',
  pip: { findLinks: ['./tools/wheels', 'https://example.invalid/wheels'] },
});

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Fn:
    Type: AWS::Lambda::Function
`;

describe('createNodesV2', () => {
  let workspaceRoot: string;
  let context: CreateNodesContext;

  beforeEach(() => {
    workspaceRoot = mkdtempSync(join(tmpdir(), 'create-nodes-'));
    context = { nxJsonConfiguration: {}, workspaceRoot };
  });

  afterEach(() => {
    rmSync(workspaceRoot, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  function write(files: Record<string, string>): string[] {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(workspaceRoot, dirname(file)), { recursive: true });
      writeFileSync(join(workspaceRoot, file), text);
    }
    return Object.keys(files);
  }

  async function run(files: string[], options?: LambdaLayersPluginOptions) {
    const [pattern, createNodes] = createNodesV2;
    const matched = files.filter((file) => minimatch(file, pattern));
    const results = await createNodes(matched, options, context);
    return Object.assign(
      {},
      ...results.map(([, result]) => result.projects ?? {}),
    );
  }

  it('infers a layer project', async () => {
    const files = write({ 'apps/sosw-layer/layer.json': LAYER_JSON });

    const projects = await run(files);

    expect(projects).toEqual({
      'apps/sosw-layer': {
        name: 'sosw-layer',
        targets: {
          build: {
            executor: 'nx-lambda-layers:build-layer',
            dependsOn: ['^build'],
            cache: true,
            inputs: [
              '{projectRoot}/**/*',
              '{workspaceRoot}/tools/wheels/**/*',
              { env: 'SOURCE_DATE_EPOCH' },
              { externalDependencies: [] },
            ],
            outputs: ['{workspaceRoot}/dist/{projectRoot}'],
            metadata: { description: expect.stringContaining('layer sosw') },
          },
          publish: {
            executor: 'nx-lambda-layers:publish-layer',
            dependsOn: ['build'],
            cache: false,
            inputs: [
              '{projectRoot}/layer.json',
              { dependentTasksOutputFiles: '**/*', transitive: false },
              { env: 'AWS_PROFILE' },
              { env: 'AWS_REGION' },
            ],
            outputs: ['{workspaceRoot}/dist/{projectRoot}/publish-result.json'],
            metadata: { description: expect.stringContaining('layer sosw') },
          },
          'sync-versions': expect.objectContaining({
            executor: 'nx-lambda-layers:sync-versions',
          }),
        },
      },
    });
  });

  it('adds requirement includes outside the project as inputs', async () => {
    const files = write({
      'apps/sosw-layer/layer.json': LAYER_JSON,
      'apps/sosw-layer/requirements.txt':
        '-r ../../shared/base.txt\n--constraint=local.txt\nrequests==2.32.3\n',
      'shared/base.txt': 'bson==0.5.10\n',
    });

    const projects = await run(files.slice(0, 1));

    const inputs = projects['apps/sosw-layer'].targets.build.inputs;
    expect(inputs).toContain('{workspaceRoot}/shared/base.txt');
    expect(inputs).not.toContain('{workspaceRoot}/apps/sosw-layer/local.txt');
  });

  it('infers a stack project with samconfig.toml', async () => {
    const files = write({
      'apps/orders/template.yaml': TEMPLATE,
      'apps/orders/samconfig.toml': [
        '[default.deploy.parameters]',
        'stack_name = "orders-api"',
        'region = "eu-west-1"',
      ].join('\n'),
      'apps/orders/package.json': '{"name": "@acme/orders"}',
    });

    const projects = await run(files);

    expect(projects).toEqual({
      'apps/orders': {
        targets: {
          deploy: {
            executor: 'nx-lambda-layers:deploy',
            options: {
              template: '{projectRoot}/template.yaml',
              stackName: 'orders-api',
              region: 'eu-west-1',
            },
            dependsOn: ['^publish'],
            cache: false,
            inputs: [
              '{projectRoot}/**/*',
              { env: 'AWS_PROFILE' },
              { env: 'AWS_REGION' },
            ],
            outputs: ['{workspaceRoot}/dist/{projectRoot}/deploy-result.json'],
            metadata: { description: expect.stringContaining('template.yaml') },
          },
        },
      },
    });
  });

  it('copies samconfig settings into options', async () => {
    const files = write({
      'apps/orders/template.yaml': TEMPLATE,
      'apps/orders/samconfig.toml': [
        'version = 0.1',
        '[default.global.parameters]',
        'region = "eu-west-1"',
        '[default.deploy.parameters]',
        'stack_name = "orders-dev"',
        'profile = "dev"',
        'capabilities = "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"',
        'parameter_overrides = "Stage=dev LayerParam=/custom/arn"',
        's3_bucket = "artifacts"',
        's3_prefix = "orders"',
        'resolve_s3 = false',
        '[prod.deploy.parameters]',
        'stack_name = "orders-prod"',
        'region = "us-west-2"',
        'resolve_s3 = true',
      ].join('\n'),
    });

    const deploy = (await run(files))['apps/orders'].targets.deploy;

    expect(deploy.options).toEqual({
      template: '{projectRoot}/template.yaml',
      stackName: 'orders-dev',
      region: 'eu-west-1',
      profile: 'dev',
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      parameterOverrides: { Stage: 'dev', LayerParam: '/custom/arn' },
      s3Bucket: 'artifacts',
      s3Prefix: 'orders',
      resolveS3: false,
    });
    expect(deploy.configurations).toEqual({
      prod: {
        template: '{projectRoot}/template.yaml',
        stackName: 'orders-prod',
        region: 'us-west-2',
        resolveS3: true,
        configEnv: 'prod',
      },
    });
  });

  it('configEnv option picks the default options', async () => {
    const files = write({
      'apps/orders/template.yaml': TEMPLATE,
      'apps/orders/samconfig.toml': [
        '[default.deploy.parameters]',
        'stack_name = "orders-dev"',
        '[prod.deploy.parameters]',
        'stack_name = "orders-prod"',
      ].join('\n'),
    });

    const deploy = (await run(files, { configEnv: 'prod' }))['apps/orders']
      .targets.deploy;

    expect(deploy.options.stackName).toBe('orders-prod');
    expect(deploy.options.configEnv).toBe('prod');
    expect(deploy.configurations.default.stackName).toBe('orders-dev');
  });

  it('infers hotswap only where functions use layers', async () => {
    const files = write({
      'apps/plain/template.yaml': TEMPLATE,
      'apps/direct/template.yaml': `${TEMPLATE}    Properties:
      Layers:
        - !Ref LayerArn
`,
      'apps/globals/template.yaml': `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Layers: [arn:aws:lambda:us-east-1:123456789012:layer:sosw:3]
Resources:
  Fn:
    Type: AWS::Serverless::Function
`,
      'apps/globals/samconfig.toml':
        '[default.deploy.parameters]\nstack_name = "g"\nregion = "eu-west-1"\n',
    });

    const projects = await run(files);

    expect(projects['apps/plain'].targets.hotswap).toBeUndefined();
    expect(projects['apps/direct'].targets.hotswap).toEqual(
      expect.objectContaining({
        executor: 'nx-lambda-layers:hotswap',
        options: { stackName: '{projectName}' },
        dependsOn: ['^publish'],
        cache: false,
      }),
    );
    expect(projects['apps/globals'].targets.hotswap.options).toEqual({
      stackName: 'g',
      region: 'eu-west-1',
    });
    expect(
      projects['apps/globals'].targets.hotswap.metadata.description,
    ).toContain('drifts from its template');
  });

  it('infers nothing with inference off', async () => {
    const files = write({
      'apps/sosw-layer/layer.json': LAYER_JSON,
      'apps/orders/template.yaml': TEMPLATE,
    });

    expect(await run(files, { inference: false })).toEqual({});
  });

  it('stack name defaults to the project name', async () => {
    const files = write({ 'apps/billing/template.json': '{"Resources": {}}' });

    const projects = await run(files);

    expect(projects['apps/billing'].name).toBe('billing');
    expect(projects['apps/billing'].targets.deploy.options).toEqual({
      template: '{projectRoot}/template.json',
      stackName: '{projectName}',
    });
  });

  it('reads another config environment', async () => {
    const files = write({
      'apps/orders/template.yml': TEMPLATE,
      'apps/orders/samconfig.toml': [
        '[default.deploy.parameters]',
        'stack_name = "dev"',
        '[prod.deploy.parameters]',
        'stack_name = "prod"',
      ].join('\n'),
    });

    const projects = await run(files, { configEnv: 'prod' });

    expect(projects['apps/orders'].targets.deploy.options.stackName).toBe(
      'prod',
    );
  });

  it('project.json keeps its own name', async () => {
    const files = write({
      'apps/sosw-layer/layer.json': LAYER_JSON,
      'apps/sosw-layer/project.json': '{"name": "layer-of-sosw"}',
    });

    const projects = await run(files);

    expect(projects['apps/sosw-layer']).toBeDefined();
    expect(projects['apps/sosw-layer'].name).toBeUndefined();
  });

  it('layer.json wins over a template', async () => {
    const files = write({
      'apps/sosw-layer/layer.json': LAYER_JSON,
      'apps/sosw-layer/template.yaml': TEMPLATE,
    });

    const projects = await run(files);

    expect(Object.keys(projects['apps/sosw-layer'].targets)).toEqual([
      'build',
      'publish',
      'sync-versions',
    ]);
  });

  it('skips YAML that is not a template', async () => {
    const files = write({
      'apps/web/template.yaml': 'title: a page template\n',
      'apps/web/other.yaml': TEMPLATE,
    });

    expect(await run(files)).toEqual({});
  });

  it('renames and removes targets', async () => {
    const files = write({
      'apps/sosw-layer/layer.json': LAYER_JSON,
      'apps/orders/stack.yaml': TEMPLATE,
    });

    const projects = await run(files, {
      buildTargetName: false,
      publishTargetName: 'release',
      deployTargetName: 'ship',
      syncVersionsTargetName: false,
      templateFileNames: ['stack.yaml'],
    });

    expect(projects['apps/sosw-layer'].targets).toEqual({
      release: expect.objectContaining({ dependsOn: [] }),
    });
    expect(projects['apps/orders'].targets.ship.dependsOn).toEqual([
      '^release',
    ]);
  });

  it('reports a broken template once', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => {});
    const files = write({
      'apps/broken/template.yaml': 'Resources:\n  Fn: [unclosed\n',
    });

    const first = await run(files);
    await run(files, { configEnv: 'other' });

    expect(first['apps/broken'].targets.deploy).toBeDefined();
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatch(
      /^Invalid template apps\/broken\/template\.yaml:\d+:\d+: /,
    );
  });

  it('keeps a project with invalid layer.json', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => {});
    const files = write({ 'apps/bad-layer/layer.json': '{"layerName": "x"}' });

    const projects = await run(files);

    expect(projects['apps/bad-layer'].targets.build).toBeDefined();
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining(
        'apps/bad-layer/layer.json: missing ssmParameter',
      ),
    );
  });

  it('keeps a stack with invalid samconfig', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => {});
    const files = write({
      'apps/orders/template.yaml': TEMPLATE,
      'apps/orders/samconfig.toml': '[default.deploy.parameters\n',
    });

    const projects = await run(files);

    expect(projects['apps/orders'].targets.deploy.options.stackName).toBe(
      '{projectName}',
    );
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(
        /^apps\/orders\/samconfig\.toml:1:\d+: invalid TOML/,
      ),
    );
  });

  it('returns cached projects for unchanged files', async () => {
    const files = write({ 'apps/sosw-layer/layer.json': LAYER_JSON });

    const first = await run(files);
    const second = await run(files);
    write({
      'apps/sosw-layer/layer.json': JSON.stringify({
        layerName: 'sosw',
        ssmParameter: '/x',
      }),
    });
    const third = await run(files);

    expect(second['apps/sosw-layer']).toBe(first['apps/sosw-layer']);
    expect(third['apps/sosw-layer'].targets.build.inputs).not.toContain(
      '{workspaceRoot}/tools/wheels/**/*',
    );
  });
});

describe('selectProjectFiles', () => {
  it('keeps one file per folder', () => {
    const selected = selectProjectFiles(
      [
        'a/template.json',
        'a/template.yaml',
        'b/layer.json',
        'b/template.yaml',
        'c/package.json',
        'template.yml',
      ],
      ['template.yaml', 'template.yml', 'template.json'],
    );

    expect(selected).toEqual([
      'a/template.yaml',
      'b/layer.json',
      'template.yml',
    ]);
  });
});

describe('buildTargets', () => {
  it('gives every target a description', () => {
    const options = normalizeOptions({});
    const targets = {
      ...buildTargets({ kind: 'layer', findLinks: [] }, 'l', options),
      ...buildTargets({ kind: 'stack', templateFile: 't.yaml' }, 's', options),
    };

    expect(Object.keys(targets)).toEqual([
      'build',
      'publish',
      'sync-versions',
      'deploy',
    ]);
    for (const target of Object.values(targets)) {
      expect(target.metadata?.description).toEqual(expect.any(String));
      expect(target.inputs).toEqual(expect.any(Array));
      expect(target.outputs).toEqual(expect.any(Array));
    }
  });
});
