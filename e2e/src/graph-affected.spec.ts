import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateWorkspace,
  layerOfStack,
  layerProject,
  pythonProject,
  stackProject,
  type GeneratedWorkspaceSpec,
} from './generated-workspace';
import { git, removeWorkspace, runNx, type NxRun } from './workspace-copy';

const SPEC: GeneratedWorkspaceSpec = {
  layers: 3,
  stacks: 10,
  pythonPackages: 2,
};

/**
 * These tests make no AWS call. The variables still point any SDK client at
 * a closed local port with dummy credentials, so none reaches a real host.
 */
const NO_AWS = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

interface TaskGraph {
  tasks: Record<string, unknown>;
  dependencies: Record<string, string[]>;
}

function expectSuccess(run: NxRun): string {
  if (run.status !== 0) {
    throw new Error(`nx exited with ${run.status}:\n${run.output}`);
  }
  return run.output;
}

function stacksOfLayers(layers: number[]): string[] {
  return Array.from({ length: SPEC.stacks }, (_, j) => j)
    .filter((j) => layers.includes(layerOfStack(j, SPEC)))
    .map(stackProject);
}

describe('project graph of a generated workspace', () => {
  let root: string;

  beforeAll(() => {
    root = generateWorkspace(SPEC);
  });

  afterAll(() => {
    if (root) removeWorkspace(root);
  });

  afterEach(() => {
    git(root, ['reset', '-q', '--hard']);
    git(root, ['clean', '-q', '-fd']);
  });

  function nx(args: string[]): string {
    return expectSuccess(runNx(root, args, NO_AWS));
  }

  function affectedProjects(): string[] {
    const output = nx(['show', 'projects', '--affected', '--json']);
    const projects = JSON.parse(output.slice(output.indexOf('['))) as string[];
    return projects.sort();
  }

  function readJson<T>(file: string): T {
    return JSON.parse(readFileSync(join(root, file), 'utf8')) as T;
  }

  it('links every stack and layer', () => {
    nx(['graph', '--file=graph.json']);

    const { graph } = readJson<{
      graph: { dependencies: Record<string, Array<{ target: string }>> };
    }>('graph.json');
    const targetsOf = (project: string) =>
      graph.dependencies[project].map((dependency) => dependency.target);
    for (let j = 0; j < SPEC.stacks; j++) {
      expect(targetsOf(stackProject(j))).toEqual([
        layerProject(layerOfStack(j, SPEC)),
      ]);
    }
    expect(targetsOf(layerProject(0))).toEqual([pythonProject(0)]);
    expect(targetsOf(layerProject(1))).toEqual([pythonProject(1)]);
    expect(targetsOf(layerProject(2))).toEqual([pythonProject(0)]);
  });

  it('requirements change affects layer and stacks', () => {
    appendFileSync(
      join(root, 'layers/layer-1/requirements.txt'),
      'six==1.16.0\n',
    );

    expect(affectedProjects()).toEqual(
      [layerProject(1), ...stacksOfLayers([1])].sort(),
    );
  });

  it('stack change affects only that stack', () => {
    appendFileSync(
      join(root, 'stacks/stack-4/template.yaml'),
      'Outputs:\n  Name:\n    Value: stack-4\n',
    );

    expect(affectedProjects()).toEqual([stackProject(4)]);
  });

  it('Python project change reaches its stacks', () => {
    appendFileSync(join(root, 'libs/pkg-0/src/pkg_0/__init__.py'), 'X = 1\n');

    expect(affectedProjects()).toEqual(
      [
        pythonProject(0),
        layerProject(0),
        layerProject(2),
        ...stacksOfLayers([0, 2]),
      ].sort(),
    );
  });

  it('orders parallel deploys after one publish', () => {
    appendFileSync(join(root, 'libs/pkg-0/src/pkg_0/__init__.py'), 'X = 1\n');

    nx(['affected', '-t', 'deploy', '--parallel=3', '--graph=tasks.json']);

    const { tasks } = readJson<{ tasks: TaskGraph }>('tasks.json');
    const taskIds = Object.keys(tasks.tasks).sort();
    const deploys = stacksOfLayers([0, 2]).map((stack) => `${stack}:deploy`);
    expect(taskIds).toEqual(
      [
        ...deploys,
        'layer-0:build',
        'layer-0:publish',
        'layer-2:build',
        'layer-2:publish',
      ].sort(),
    );
    for (const deploy of deploys) {
      const j = Number(deploy.split(/[-:]/)[1]);
      expect(tasks.dependencies[deploy]).toEqual([
        `${layerProject(layerOfStack(j, SPEC))}:publish`,
      ]);
    }
    expect(tasks.dependencies['layer-0:publish']).toEqual(['layer-0:build']);
  });

  it('project.json keeps user targets', () => {
    writeFileSync(
      join(root, 'stacks/stack-3/project.json'),
      JSON.stringify({
        name: 'orders-stack',
        targets: {
          deploy: { options: { stackName: 'orders-by-hand' } },
          hotswap: {
            executor: 'nx:run-commands',
            options: { command: 'echo no hotswap here' },
          },
          smoke: {
            executor: 'nx:run-commands',
            options: { command: 'echo smoke' },
          },
        },
      }),
    );

    const output = nx(['show', 'project', 'orders-stack', '--json']);
    const project = JSON.parse(output.slice(output.indexOf('{'))) as {
      targets: Record<
        string,
        { executor: string; options: Record<string, unknown> }
      >;
    };

    expect(project.targets.deploy.executor).toBe('nx-lambda-layers:deploy');
    expect(project.targets.deploy.options).toEqual(
      expect.objectContaining({
        stackName: 'orders-by-hand',
        region: 'us-east-1',
        capabilities: ['CAPABILITY_IAM'],
        template: 'stacks/stack-3/template.yaml',
      }),
    );
    expect(project.targets.hotswap).toEqual(
      expect.objectContaining({
        executor: 'nx:run-commands',
        options: { command: 'echo no hotswap here' },
      }),
    );
    expect(project.targets.smoke.executor).toBe('nx:run-commands');
  });

  it('describes inferred targets', () => {
    const output = nx(['show', 'project', layerProject(0), '--json']);
    const project = JSON.parse(output.slice(output.indexOf('{'))) as {
      targets: Record<string, { metadata?: { description?: string } }>;
    };

    expect(Object.keys(project.targets).sort()).toEqual([
      'build',
      'publish',
      'sync-versions',
    ]);
    for (const target of Object.values(project.targets)) {
      expect(target.metadata?.description).toMatch(/layer layer-0/);
    }
  });
});
