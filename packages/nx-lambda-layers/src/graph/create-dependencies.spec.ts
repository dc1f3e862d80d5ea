import {
  DependencyType,
  logger,
  validateDependency,
  type CreateDependenciesContext,
  type FileData,
} from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDependencies } from './create-dependencies';
import { parseTemplateOrReport } from './project-files';
import type { LambdaLayersPluginOptions } from './options';

const SUB_ARN =
  'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer';

const WORKSPACE: Record<string, string> = {
  'apps/sosw-layer/layer.json': JSON.stringify({
    layerName: 'sosw',
    ssmParameter: '/lambda-layers/sosw/arn',
  }),
  // The layer project's own template defines the layer, so it is no stack.
  'apps/sosw-layer/template.yaml': `Resources:
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: sosw
Outputs:
  Arn:
    Value: !Sub "${SUB_ARN}:sosw:1"
`,
  'apps/extras-layer/layer.json': JSON.stringify({
    layerName: 'sosw-extras',
    ssmParameter: '/lambda-layers/sosw-extras/arn',
  }),
  'apps/orders/template.yaml': `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Layers:
      - !Sub "${SUB_ARN}:sosw:SOSW_LAYER_PLACEHOLDER"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Layers:
        - !Sub "${SUB_ARN}:sosw:3"
`,
  'apps/billing/template.json': JSON.stringify({
    Parameters: {
      Layer: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/x' },
    },
    Resources: {},
  }),
  'apps/billing/samconfig.toml': `[default.deploy.parameters]
parameter_overrides = "Layer=/lambda-layers/sosw-extras/arn"
`,
  'apps/web/package.json': '{"name": "web"}',
};

const PROJECTS = {
  'sosw-layer': 'apps/sosw-layer',
  'extras-layer': 'apps/extras-layer',
  orders: 'apps/orders',
  billing: 'apps/billing',
  web: 'apps/web',
};

describe('createDependencies', () => {
  let workspaceRoot: string;

  beforeEach(() => {
    workspaceRoot = mkdtempSync(join(tmpdir(), 'create-dependencies-'));
    write(WORKSPACE);
  });

  afterEach(() => {
    rmSync(workspaceRoot, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  function write(files: Record<string, string>): void {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(workspaceRoot, dirname(file)), { recursive: true });
      writeFileSync(join(workspaceRoot, file), text);
    }
  }

  /** Builds a context; `hashes` gives file map hashes of listed files. */
  function contextFor(
    hashes: Record<string, string> = {},
  ): CreateDependenciesContext {
    const projectFileMap: Record<string, FileData[]> = {};
    for (const [name, root] of Object.entries(PROJECTS)) {
      projectFileMap[name] = Object.keys(WORKSPACE)
        .filter((file) => file.startsWith(`${root}/`))
        .map((file) => ({ file, hash: hashes[file] ?? `hash-of-${file}` }));
    }
    const projects = Object.fromEntries(
      Object.entries(PROJECTS).map(([name, root]) => [name, { root }]),
    );
    return {
      externalNodes: {},
      projects,
      nxJsonConfiguration: {},
      fileMap: { projectFileMap, nonProjectFiles: [] },
      filesToProcess: { projectFileMap, nonProjectFiles: [] },
      workspaceRoot,
    };
  }

  async function run(
    context: CreateDependenciesContext,
    options?: LambdaLayersPluginOptions,
  ) {
    return createDependencies(options, context);
  }

  it('links stacks to the layers they use', async () => {
    const context = contextFor();

    const dependencies = await run(context);

    expect(dependencies).toEqual([
      {
        source: 'orders',
        target: 'sosw-layer',
        sourceFile: 'apps/orders/template.yaml',
        type: DependencyType.static,
      },
      {
        source: 'billing',
        target: 'extras-layer',
        sourceFile: 'apps/billing/template.json',
        type: DependencyType.static,
      },
    ]);
    for (const dependency of dependencies) {
      expect(() => validateDependency(dependency, context)).not.toThrow();
    }
  });

  it('rereads a template whose hash changed', async () => {
    await run(contextFor({ 'apps/orders/template.yaml': 'v1' }));
    write({ 'apps/orders/template.yaml': 'Resources: {}\n' });

    const unchanged = await run(
      contextFor({ 'apps/orders/template.yaml': 'v1' }),
    );
    const changed = await run(
      contextFor({ 'apps/orders/template.yaml': 'v2' }),
    );

    expect(unchanged.map((dependency) => dependency.source)).toContain(
      'orders',
    );
    expect(changed.map((dependency) => dependency.source)).not.toContain(
      'orders',
    );
  });

  it('follows a changed layer.json', async () => {
    write({
      'apps/extras-layer/layer.json': JSON.stringify({
        layerName: 'sosw-extras',
        ssmParameter: '/other/parameter',
      }),
    });

    const dependencies = await run(
      contextFor({ 'apps/extras-layer/layer.json': 'changed' }),
    );

    expect(dependencies.map((dependency) => dependency.source)).toEqual([
      'orders',
    ]);
  });

  it('uses the configured environment', async () => {
    write({
      'apps/billing/samconfig.toml': `[default.deploy.parameters]
parameter_overrides = "Layer=/lambda-layers/sosw-extras/arn"
[prod.deploy.parameters]
parameter_overrides = "Layer=/lambda-layers/sosw/arn"
`,
    });

    const dependencies = await run(
      contextFor({ 'apps/billing/samconfig.toml': 'prod' }),
      { configEnv: 'prod' },
    );

    expect(dependencies).toContainEqual(
      expect.objectContaining({ source: 'billing', target: 'sosw-layer' }),
    );
  });

  it('keeps the graph when a template is broken', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => {});
    write({ 'apps/orders/template.yaml': 'Resources: [\n' });

    const dependencies = await run(
      contextFor({ 'apps/orders/template.yaml': 'broken' }),
    );

    expect(dependencies.map((dependency) => dependency.source)).toEqual([
      'billing',
    ]);
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Invalid template apps\/orders\/template\.yaml:2:1: /,
      ),
    );
  });

  it('reports a layer name used twice', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => {});
    write({
      'apps/extras-layer/layer.json': JSON.stringify({
        layerName: 'sosw',
        ssmParameter: '/lambda-layers/sosw-extras/arn',
      }),
    });

    const dependencies = await run(
      contextFor({ 'apps/extras-layer/layer.json': 'duplicate' }),
    );

    expect(dependencies.map((dependency) => dependency.target)).toEqual([
      'sosw-layer',
    ]);
    expect(error).toHaveBeenCalledWith(
      'apps/extras-layer/layer.json: layerName "sosw" is also used by ' +
        'project sosw-layer; give each layer project its own layerName',
    );
  });

  it('reads files missing from the file map', async () => {
    const context = contextFor();
    const dependencies = await run({
      ...context,
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    });

    expect(dependencies).toHaveLength(2);
  });

  it('frees templates kept from createNodes', async () => {
    const text = WORKSPACE['apps/orders/template.yaml'];
    const first = parseTemplateOrReport(text, 'apps/orders/template.yaml');
    const reused = parseTemplateOrReport(text, 'apps/orders/template.yaml');

    await run(contextFor());
    const afterRun = parseTemplateOrReport(text, 'apps/orders/template.yaml');

    expect(reused).toBe(first);
    expect(afterRun).not.toBe(first);
    expect(afterRun?.value).toEqual(first?.value);
  });

  it('returns nothing without layer projects', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => {});
    rmSync(join(workspaceRoot, 'apps/sosw-layer/layer.json'));
    rmSync(join(workspaceRoot, 'apps/extras-layer/layer.json'));

    expect(
      await run(contextFor({ 'apps/sosw-layer/layer.json': 'gone' })),
    ).toEqual([]);
    expect(error).not.toHaveBeenCalled();
  });
});

describe('createDependencies: reference forms', () => {
  let workspaceRoot: string;
  let files: Record<string, string>;

  const LAYERS: Record<string, string> = {
    'layers/sosw/layer.json': JSON.stringify({
      layerName: 'sosw',
      ssmParameter: '/lambda-layers/sosw/arn',
      requirements: 'requirements.txt',
    }),
    'layers/sosw/requirements.txt': [
      '# workspace packages by name and by path',
      'Greeting_Lib==1.0.0',
      '-e ../../libs/farewell',
      'requests>=2',
    ].join('\n'),
    'layers/extras/layer.json': JSON.stringify({
      layerName: 'extras',
      ssmParameter: '/lambda-layers/extras/arn',
    }),
    'layers/extras/requirements.txt': 'tools @ file:../../libs/tools\n',
    'libs/greeting/pyproject.toml': '[project]\nname = "greeting-lib"\n',
    'libs/farewell/pyproject.toml': '[project]\nname = "farewell"\n',
    'libs/tools/pyproject.toml': '[project]\nname = "tools"\n',
    'libs/unused/pyproject.toml': '[project]\nname = "unused"\n',
  };

  /** One stack per reference form, with the layer project it uses. */
  const STACKS: Array<[string, string, string | undefined]> = [
    [
      'ssm-default',
      `Parameters:
  LayerArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /lambda-layers/sosw/arn
Resources: {}
`,
      'sosw-layer',
    ],
    [
      'resolve-ssm',
      `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers: ['{{resolve:ssm:/lambda-layers/extras/arn:4}}']
`,
      'extras-layer',
    ],
    [
      'literal-arn',
      `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
  "Layers": ["arn:aws-cn:lambda:cn-north-1:123456789012:layer:sosw:12"]}}}}`,
      'sosw-layer',
    ],
    [
      'join-arn',
      `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - !Join [':', ['arn', !Ref AWS::Partition, 'lambda', !Ref AWS::Region,
            !Ref AWS::AccountId, 'layer', 'extras', '2']]
`,
      'extras-layer',
    ],
    [
      'placeholder',
      `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - !Sub arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER
`,
      'sosw-layer',
    ],
    [
      'import-value',
      `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers: [!ImportValue extras-layer-arn]
`,
      'extras-layer',
    ],
    [
      'globals',
      `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Layers: ['arn:aws:lambda:eu-west-1:123456789012:layer:sosw:3']
Resources:
  Fn:
    Type: AWS::Serverless::Function
`,
      'sosw-layer',
    ],
    [
      'own-layer',
      `Resources:
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: sosw
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers: [!Ref Layer]
`,
      undefined,
    ],
    [
      'public-layer',
      `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
`,
      undefined,
    ],
  ];

  beforeEach(() => {
    workspaceRoot = mkdtempSync(join(tmpdir(), 'reference-forms-'));
    files = { ...LAYERS };
    for (const [name, template] of STACKS) {
      const extension = template.startsWith('{') ? 'json' : 'yaml';
      files[`stacks/${name}/template.${extension}`] = template;
    }
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(workspaceRoot, dirname(file)), { recursive: true });
      writeFileSync(join(workspaceRoot, file), text);
    }
  });

  afterEach(() => {
    rmSync(workspaceRoot, { recursive: true, force: true });
  });

  /** Builds a context whose file map lists every written file. */
  function context(): CreateDependenciesContext {
    const roots: Record<string, string> = {
      'sosw-layer': 'layers/sosw',
      'extras-layer': 'layers/extras',
      'greeting-lib': 'libs/greeting',
      farewell: 'libs/farewell',
      tools: 'libs/tools',
      unused: 'libs/unused',
      ...Object.fromEntries(STACKS.map(([name]) => [name, `stacks/${name}`])),
    };
    const projects = Object.fromEntries(
      Object.entries(roots).map(([name, root]) => [name, { root }]),
    );
    const projectFileMap = Object.fromEntries(
      Object.entries(roots).map(([name, root]) => [
        name,
        Object.keys(files)
          .filter((file) => file.startsWith(`${root}/`))
          .map((file) => ({ file, hash: `hash-of-${file}` })),
      ]),
    );
    const fileMap = { projectFileMap, nonProjectFiles: [] };
    return {
      externalNodes: {},
      projects,
      nxJsonConfiguration: {},
      fileMap,
      filesToProcess: fileMap,
      workspaceRoot,
    };
  }

  it.each(STACKS)('stack %s', async (name, _template, layerProject) => {
    const dependencies = await createDependencies({}, context());

    const targets = dependencies
      .filter((dependency) => dependency.source === name)
      .map((dependency) => dependency.target);
    expect(targets).toEqual(layerProject ? [layerProject] : []);
  });

  it('links layers to Python projects', async () => {
    const ctx = context();
    const dependencies = await createDependencies({}, ctx);

    const fromLayers = dependencies.filter((dependency) =>
      dependency.source.endsWith('-layer'),
    );
    expect(fromLayers).toEqual([
      {
        source: 'sosw-layer',
        target: 'greeting-lib',
        sourceFile: 'layers/sosw/requirements.txt',
        type: DependencyType.static,
      },
      {
        source: 'sosw-layer',
        target: 'farewell',
        sourceFile: 'layers/sosw/requirements.txt',
        type: DependencyType.static,
      },
      {
        source: 'extras-layer',
        target: 'tools',
        sourceFile: 'layers/extras/requirements.txt',
        type: DependencyType.static,
      },
    ]);
    for (const dependency of dependencies) {
      expect(() => validateDependency(dependency, ctx)).not.toThrow();
    }
  });

  it('adds nothing with inference off', async () => {
    expect(await createDependencies({ inference: false }, context())).toEqual(
      [],
    );
  });
});
