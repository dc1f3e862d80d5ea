import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyWorkspaceToGitRepo,
  removeWorkspace,
  runNx,
  type NxRun,
} from './workspace-copy';

/**
 * The build makes no AWS call. The variables still point any SDK client at
 * a closed local port with dummy credentials, so none reaches a real host.
 */
const NO_AWS = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const CACHE_HIT =
  /nx run demo-layer:build\s+\[(local cache|existing outputs match the cache, left as is)\]/;

function build(root: string): string {
  const run: NxRun = runNx(root, ['run', 'demo-layer:build'], NO_AWS);
  if (run.status !== 0) {
    throw new Error(`nx exited with ${run.status}:\n${run.output}`);
  }
  return run.output;
}

describe('build-layer through the nx CLI', () => {
  let root: string;

  beforeAll(() => {
    root = copyWorkspaceToGitRepo();
  });

  afterAll(() => {
    if (root) removeWorkspace(root);
  });

  it('is a cache hit with unchanged inputs', () => {
    const first = build(root);
    const zipFile = join(root, 'dist/apps/demo-layer/layer.zip');
    const zipBytes = readFileSync(zipFile);

    const second = build(root);
    rmSync(join(root, 'dist/apps/demo-layer'), { recursive: true });
    const third = build(root);

    expect(first).not.toMatch(CACHE_HIT);
    expect(first).toContain('Built dist/apps/demo-layer/layer.zip');
    expect(second).toMatch(CACHE_HIT);
    expect(third).toContain('nx run demo-layer:build  [local cache]');
    expect(readFileSync(zipFile).equals(zipBytes)).toBe(true);
  });

  it('rebuilds when an included file changes', () => {
    // The included file sits outside the layer project, so only the
    // inputs that the plugin infers from the -r line cover it.
    mkdirSync(join(root, 'requirements'), { recursive: true });
    writeFileSync(join(root, 'requirements/common.txt'), 'greeting==1.0.0\n');
    writeFileSync(
      join(root, 'apps/demo-layer/requirements.txt'),
      '-r ../../requirements/common.txt\n',
    );
    build(root);

    const unchanged = build(root);
    writeFileSync(
      join(root, 'requirements/common.txt'),
      '# pinned for the demo\ngreeting==1.0.0\n',
    );
    const changed = build(root);

    expect(unchanged).toMatch(CACHE_HIT);
    expect(changed).not.toMatch(CACHE_HIT);
    expect(changed).toContain('Built dist/apps/demo-layer/layer.zip');
  });
});
