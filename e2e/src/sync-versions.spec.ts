import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyWorkspaceToGitRepo,
  removeWorkspace,
  runNx,
} from './workspace-copy';

/**
 * These tests pass `--layer-version`, so they make no AWS call. The variables
 * still point any SDK client at a closed local port with dummy credentials,
 * so none reaches a real host.
 */
const NO_AWS = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

const TEMPLATE = 'apps/legacy-sosw-worker/template.yaml';

describe('nx run sosw-layer:sync-versions', () => {
  let root: string;
  let original: string;

  beforeAll(() => {
    root = copyWorkspaceToGitRepo();
    original = readFileSync(join(root, TEMPLATE), 'utf8');
  });

  afterAll(() => {
    if (root) removeWorkspace(root);
  });

  function syncVersions(...args: string[]) {
    return runNx(
      root,
      ['run', 'sosw-layer:sync-versions', '--layer-version=5', ...args],
      NO_AWS,
    );
  }

  it('check lists the placeholder and fails', () => {
    const run = syncVersions('--check');

    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      new RegExp(
        `stale: ${TEMPLATE}:17:\\d+: layer sosw version ` +
          'SOSW_LAYER_PLACEHOLDER, expected 5',
      ),
    );
    expect(readFileSync(join(root, TEMPLATE), 'utf8')).toBe(original);
  });

  it('render writes under dist only', () => {
    const run = syncVersions('--render');

    expect(run.status).toBe(0);
    // The copy's CodeUri points back at the source's code, so the copy
    // deploys from dist/ too.
    expect(readFileSync(join(root, 'dist', TEMPLATE), 'utf8')).toBe(
      original
        .replace('sosw:SOSW_LAYER_PLACEHOLDER', 'sosw:5')
        .replace(
          'CodeUri: src',
          'CodeUri: ../../../apps/legacy-sosw-worker/src',
        ),
    );
    expect(readFileSync(join(root, TEMPLATE), 'utf8')).toBe(original);
  });

  it('sync rewrites the dependent template', () => {
    const run = syncVersions();

    expect(run.status).toBe(0);
    expect(readFileSync(join(root, TEMPLATE), 'utf8')).toBe(
      original.replace('sosw:SOSW_LAYER_PLACEHOLDER', 'sosw:5'),
    );
  });

  it('check passes after the sync', () => {
    const run = syncVersions('--check');

    expect(run.status).toBe(0);
    expect(run.output).toMatch(/layer sosw: .+, 1 reference; 0 stale/);
  });
});
