import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceCache } from './inference-cache';

describe('InferenceCache', () => {
  let workspaceRoot: string;
  let dataFolder: string;
  const savedFolder = process.env.NX_WORKSPACE_DATA_DIRECTORY;

  beforeEach(() => {
    workspaceRoot = mkdtempSync(join(tmpdir(), 'inference-cache-'));
    dataFolder = join(workspaceRoot, 'data');
    process.env.NX_WORKSPACE_DATA_DIRECTORY = dataFolder;
  });

  afterEach(() => {
    if (savedFolder === undefined) {
      delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    } else {
      process.env.NX_WORKSPACE_DATA_DIRECTORY = savedFolder;
    }
    rmSync(workspaceRoot, { recursive: true, force: true });
  });

  const PROJECTS = { 'apps/a': { targets: { deploy: { command: 'x' } } } };

  it('reloads saved entries in a new process', () => {
    const first = new InferenceCache();
    first.load(workspaceRoot, { configEnv: 'default' });
    first.set('key-a', PROJECTS);
    first.save(new Set(['key-a']));

    const second = new InferenceCache();
    second.load(workspaceRoot, { configEnv: 'default' });

    expect(second.get('key-a')).toEqual(PROJECTS);
    expect(readdirSync(dataFolder)).toEqual([
      expect.stringMatching(/^nx-lambda-layers-\w+\.hash$/),
    ]);
  });

  it('drops entries not used in the run', () => {
    const first = new InferenceCache();
    first.load(workspaceRoot, {});
    first.set('old', PROJECTS);
    first.set('new', {});
    first.save(new Set(['new']));

    const second = new InferenceCache();
    second.load(workspaceRoot, {});

    expect(second.has('old')).toBe(false);
    expect(second.get('new')).toEqual({});
  });

  it('keeps options apart', () => {
    const first = new InferenceCache();
    first.load(workspaceRoot, { configEnv: 'default' });
    first.set('key-a', PROJECTS);
    first.save(new Set(['key-a']));

    const second = new InferenceCache();
    second.load(workspaceRoot, { configEnv: 'prod' });

    expect(second.has('key-a')).toBe(false);
  });

  it('ignores an unreadable cache file', () => {
    const first = new InferenceCache();
    first.load(workspaceRoot, {});
    first.set('key-a', PROJECTS);
    first.save(new Set(['key-a']));
    const [file] = readdirSync(dataFolder);
    writeFileSync(join(dataFolder, file), '{"truncated');

    const second = new InferenceCache();
    second.load(workspaceRoot, {});

    expect(second.has('key-a')).toBe(false);
  });
});
