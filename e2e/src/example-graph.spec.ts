import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyWorkspaceToGitRepo,
  removeWorkspace,
  runNx,
} from './workspace-copy';

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

interface GraphFile {
  graph: {
    nodes: Record<string, { data: { targets: Record<string, unknown> } }>;
    dependencies: Record<string, Array<{ target: string; type: string }>>;
  };
}

describe('nx graph of the example workspace', () => {
  let root: string;
  let graph: GraphFile['graph'];

  beforeAll(() => {
    root = copyWorkspaceToGitRepo();
    const run = runNx(root, ['graph', '--file=graph.json'], NO_AWS);
    if (run.status !== 0) {
      throw new Error(`nx graph exited with ${run.status}:\n${run.output}`);
    }
    const text = readFileSync(join(root, 'graph.json'), 'utf8');
    graph = (JSON.parse(text) as GraphFile).graph;
  });

  afterAll(() => {
    if (root) removeWorkspace(root);
  });

  function targetsOf(project: string): string[] {
    return graph.dependencies[project].map((dependency) => dependency.target);
  }

  it('links stacks to their layers', () => {
    expect(targetsOf('orders-api')).toEqual(['demo-layer']);
    expect(targetsOf('reports-worker')).toEqual(['demo-layer']);
    expect(targetsOf('legacy-sosw-worker')).toEqual(['sosw-layer']);
    expect(targetsOf('audit-log')).toEqual([]);
  });

  it('links the demo layer to its package', () => {
    expect(graph.dependencies['demo-layer']).toEqual([
      expect.objectContaining({ target: 'greeting', type: 'static' }),
    ]);
  });

  it('infers layer and stack targets', () => {
    expect(Object.keys(graph.nodes['demo-layer'].data.targets)).toEqual(
      expect.arrayContaining(['build', 'publish']),
    );
    expect(Object.keys(graph.nodes['orders-api'].data.targets)).toEqual(
      expect.arrayContaining(['deploy', 'hotswap']),
    );
    expect(Object.keys(graph.nodes['audit-log'].data.targets)).toEqual([
      'deploy',
    ]);
  });
});
