import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { git, WORKSPACE_ROOT } from './workspace-copy';

/** Shape of a generated workspace. */
export interface GeneratedWorkspaceSpec {
  layers: number;
  stacks: number;
  /** Python projects; layer `i` installs package `i % pythonPackages`. */
  pythonPackages: number;
  /** Options of the plugin entry in `nx.json`. */
  pluginOptions?: Record<string, unknown>;
}

/**
 * Ways a stack template refers to its layer. Stack `j` uses form
 * `j % REFERENCE_FORMS.length`, so every form appears in a workspace of
 * five stacks or more.
 */
export const REFERENCE_FORMS = [
  'ssm-parameter',
  'placeholder',
  'import-value',
  'resolve-ssm',
  'literal-arn',
] as const;

export const layerName = (i: number) => `layer-${i}`;
export const layerProject = (i: number) => `layer-${i}`;
export const stackProject = (j: number) => `stack-${j}`;
export const pythonProject = (k: number) => `pkg-${k}`;

/** Layer that stack `j` uses. */
export function layerOfStack(j: number, spec: GeneratedWorkspaceSpec): number {
  return j % spec.layers;
}

/**
 * Creates a git repository in a new temporary folder holding a workspace of
 * layer projects (`layers/layer-<i>`), stack projects (`stacks/stack-<j>`)
 * and Python projects (`libs/pkg-<k>`), with the plugin's source copied in
 * and node_modules linked from this workspace. `main` has one commit.
 */
export function generateWorkspace(spec: GeneratedWorkspaceSpec): string {
  const root = mkdtempSync(join(tmpdir(), 'nxll-generated-'));
  writeWorkspaceFiles(root, spec);
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'Generated workspace']);
  return root;
}

function writeWorkspaceFiles(root: string, spec: GeneratedWorkspaceSpec) {
  const files: Record<string, string> = {
    'package.json': json({
      name: 'generated-workspace',
      private: true,
      workspaces: ['packages/*'],
    }),
    'nx.json': json({
      defaultBase: 'main',
      plugins: [
        { plugin: 'nx-lambda-layers', options: spec.pluginOptions ?? {} },
      ],
    }),
    '.gitignore': 'node_modules\n.nx\ndist\n',
  };
  for (let k = 0; k < spec.pythonPackages; k++) {
    Object.assign(files, pythonPackageFiles(k));
  }
  for (let i = 0; i < spec.layers; i++) {
    Object.assign(files, layerFiles(i, spec));
  }
  for (let j = 0; j < spec.stacks; j++) {
    Object.assign(files, stackFiles(j, layerOfStack(j, spec)));
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  copyPlugin(root);
}

/** Copies the plugin package and tsconfig.base.json, and links node_modules. */
function copyPlugin(root: string): void {
  cpSync(
    join(WORKSPACE_ROOT, 'tsconfig.base.json'),
    join(root, 'tsconfig.base.json'),
  );
  cpSync(
    join(WORKSPACE_ROOT, 'packages/nx-lambda-layers'),
    join(root, 'packages/nx-lambda-layers'),
    {
      recursive: true,
      filter: (source) =>
        !source.endsWith('.spec.ts') && basename(source) !== 'node_modules',
    },
  );
  symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(root, 'node_modules'));
}

function pythonPackageFiles(k: number): Record<string, string> {
  const name = pythonProject(k);
  const module = name.replace(/-/g, '_');
  return {
    [`libs/${name}/project.json`]: json({ name, projectType: 'library' }),
    [`libs/${name}/pyproject.toml`]: [
      '[project]',
      `name = "${name}"`,
      'version = "1.0.0"',
      '',
    ].join('\n'),
    [`libs/${name}/src/${module}/__init__.py`]: 'VERSION = "1.0.0"\n',
  };
}

/**
 * Returns the files of layer project `i`. Even layers install their Python
 * package by name and odd layers by a relative path, so both forms are used.
 */
function layerFiles(
  i: number,
  spec: GeneratedWorkspaceSpec,
): Record<string, string> {
  const k = i % Math.max(spec.pythonPackages, 1);
  const requirement =
    spec.pythonPackages === 0
      ? ''
      : i % 2 === 0
        ? `${pythonProject(k)}==1.0.0\n`
        : `../../libs/${pythonProject(k)}\n`;
  return {
    [`layers/${layerProject(i)}/layer.json`]: json({
      layerName: layerName(i),
      ssmParameter: `/lambda-layers/${layerName(i)}/arn`,
    }),
    [`layers/${layerProject(i)}/requirements.txt`]: `requests==2.32.3\n${requirement}`,
  };
}

function stackFiles(j: number, layer: number): Record<string, string> {
  const form = REFERENCE_FORMS[j % REFERENCE_FORMS.length];
  return {
    [`stacks/${stackProject(j)}/template.yaml`]: stackTemplate(form, layer),
    [`stacks/${stackProject(j)}/samconfig.toml`]: [
      'version = 0.1',
      '[default.deploy.parameters]',
      `stack_name = "generated-${stackProject(j)}"`,
      'region = "us-east-1"',
      'capabilities = "CAPABILITY_IAM"',
      '',
    ].join('\n'),
    // A sample event as `sam init` writes one: a JSON file that is no template.
    [`stacks/${stackProject(j)}/events/event.json`]: json({ orderId: j }),
  };
}

function stackTemplate(
  form: (typeof REFERENCE_FORMS)[number],
  layer: number,
): string {
  const name = layerName(layer);
  const arnPrefix =
    'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer';
  const layerEntry = {
    'ssm-parameter': '!Ref LayerArn',
    placeholder: `!Sub "${arnPrefix}:${name}:${name.toUpperCase().replace(/-/g, '_')}_LAYER_PLACEHOLDER"`,
    'import-value': `!ImportValue ${name}-layer-arn`,
    'resolve-ssm': `"{{resolve:ssm:/lambda-layers/${name}/arn}}"`,
    'literal-arn': `arn:aws:lambda:us-east-1:123456789012:layer:${name}:1`,
  }[form];
  const parameters =
    form === 'ssm-parameter'
      ? [
          'Parameters:',
          '  LayerArn:',
          '    Type: AWS::SSM::Parameter::Value<String>',
          `    Default: /lambda-layers/${name}/arn`,
        ]
      : [];
  return [
    "AWSTemplateFormatVersion: '2010-09-09'",
    ...parameters,
    'Resources:',
    '  Worker:',
    '    Type: AWS::Lambda::Function',
    '    Properties:',
    '      Runtime: python3.12',
    '      Handler: app.handler',
    '      Role: arn:aws:iam::123456789012:role/worker',
    '      Code: src',
    '      Layers:',
    `        - ${layerEntry}`,
    '',
  ].join('\n');
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
