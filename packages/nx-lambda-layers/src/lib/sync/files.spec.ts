import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findTemplateFiles,
  NotUtf8Error,
  readTextFile,
  replaceFileContent,
  writeFileAtomically,
} from './files';
import { endedProcessId } from './ended-process';

let folder: string;
let savedUmask: number;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'sync-write-'));
  // Setting a mask returns the old one, which afterEach restores.
  savedUmask = process.umask(0o022);
});

afterEach(() => {
  process.umask(savedUmask);
  chmodSync(folder, 0o755);
  rmSync(folder, { recursive: true, force: true });
});

const isLinux = process.platform === 'linux';

describe('readTextFile', () => {
  it('returns text and stats', () => {
    const path = join(folder, 'template.yaml');
    writeFileSync(path, '\uFEFFResources: {}\r\n');
    chmodSync(path, 0o640);

    const { text, stats } = readTextFile(path, 'template.yaml');

    expect(text).toBe('\uFEFFResources: {}\r\n');
    expect(stats.isFile()).toBe(true);
    expect(stats.size).toBe(Buffer.byteLength(text));
    expect(stats.mode & 0o777).toBe(0o640);
    expect(stats.ino).toBe(statSync(path).ino);
  });

  it('reads an empty file', () => {
    const path = join(folder, 'empty.yaml');
    writeFileSync(path, '');

    expect(readTextFile(path, 'empty.yaml').text).toBe('');
  });

  (isLinux ? it : it.skip)('reads a procfs file of size 0', () => {
    expect(statSync('/proc/version').size).toBe(0);

    const { text } = readTextFile('/proc/version', 'version');

    expect(text).toBe(readFileSync('/proc/version', 'utf8'));
    expect(text.length).toBeGreaterThan(0);
  });

  it('rejects invalid UTF-8', () => {
    const path = join(folder, 'latin1.yaml');
    writeFileSync(path, Buffer.from([0x23, 0x20, 0xe9, 0x0a]));

    expect(() => readTextFile(path, 'apps/latin1.yaml')).toThrow(NotUtf8Error);
    expect(() => readTextFile(path, 'apps/latin1.yaml')).toThrow(
      'apps/latin1.yaml is not valid UTF-8 text; save it as UTF-8 to sync it',
    );
  });
});

describe('replaceFileContent: mode', () => {
  function writeWithMode(name: string, mode: number): string {
    const path = join(folder, name);
    writeFileSync(path, 'old\n');
    chmodSync(path, mode);
    return path;
  }

  function modeOf(path: string): number {
    return statSync(path).mode & 0o7777;
  }

  it('sets mode the umask would clear', async () => {
    const path = writeWithMode('template.yaml', 0o644);
    process.umask(0o077);
    const { stats } = readTextFile(path, 'template.yaml');

    await replaceFileContent(path, 'new\n', 'template.yaml', undefined, stats);

    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(modeOf(path)).toBe(0o644);
  });

  it('takes stats itself when none are given', async () => {
    const path = writeWithMode('template.yaml', 0o664);
    process.umask(0o022);

    await replaceFileContent(path, 'new\n', 'template.yaml');

    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(modeOf(path)).toBe(0o664);
  });

  it('keeps mode the umask leaves', async () => {
    const path = writeWithMode('template.yaml', 0o640);
    process.umask(0o022);
    const { stats } = readTextFile(path, 'template.yaml');

    await replaceFileContent(path, 'new\n', 'template.yaml', undefined, stats);

    expect(modeOf(path)).toBe(0o640);
  });

  it('keeps the sticky bit', async () => {
    const path = writeWithMode('template.yaml', 0o1644);
    process.umask(0);

    await replaceFileContent(path, 'new\n', 'template.yaml');

    expect(modeOf(path)).toBe(0o1644);
  });

  it('rejects read-only stats', async () => {
    const path = writeWithMode('template.yaml', 0o444);
    const { stats } = readTextFile(path, 'apps/template.yaml');

    await expect(
      replaceFileContent(path, 'new\n', 'apps/template.yaml', undefined, stats),
    ).rejects.toThrow(
      'apps/template.yaml is read-only; make it writable (chmod u+w) to sync it',
    );
    expect(readFileSync(path, 'utf8')).toBe('old\n');
  });
});

describe('replaceFileContent: file changed after the read', () => {
  function readTemplate() {
    const path = join(folder, 'template.yaml');
    writeFileSync(path, 'old\n');
    return { path, stats: readTextFile(path, 'apps/template.yaml').stats };
  }

  function leftovers(): string[] {
    return readdirSync(folder).filter((name) => name.includes('.tmp-'));
  }

  it('does not recreate a deleted file', async () => {
    const { path, stats } = readTemplate();
    rmSync(path);

    await expect(
      replaceFileContent(path, 'new\n', 'apps/template.yaml', undefined, stats),
    ).rejects.toThrow(
      'apps/template.yaml was deleted after it was read; it was not written',
    );
    expect(readdirSync(folder)).toEqual([]);
  });

  it('rejects a file made read-only', async () => {
    const { path, stats } = readTemplate();
    chmodSync(path, 0o444);

    await expect(
      replaceFileContent(path, 'new\n', 'apps/template.yaml', undefined, stats),
    ).rejects.toThrow(
      'apps/template.yaml is read-only; make it writable (chmod u+w) to sync it',
    );
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(statSync(path).mode & 0o777).toBe(0o444);
    expect(leftovers()).toEqual([]);
  });

  it('rejects a file edited after the read', async () => {
    const { path, stats } = readTemplate();
    writeFileSync(path, 'edited meanwhile\n');

    await expect(
      replaceFileContent(path, 'new\n', 'apps/template.yaml', undefined, stats),
    ).rejects.toThrow(
      'apps/template.yaml changed after it was read; it was not written, ' +
        'run sync-versions again',
    );
    expect(readFileSync(path, 'utf8')).toBe('edited meanwhile\n');
    expect(leftovers()).toEqual([]);
  });
});

describe('replaceFileContent: same size and time', () => {
  it('rejects an edit that restored the time', async () => {
    const path = join(folder, 'template.yaml');
    writeFileSync(path, 'old\n');
    const { stats } = readTextFile(path, 'apps/template.yaml');
    writeFileSync(path, 'new\n');
    utimesSync(path, stats.atime, stats.mtime);

    await expect(
      replaceFileContent(path, 'syn\n', 'apps/template.yaml', undefined, stats),
    ).rejects.toThrow('apps/template.yaml changed after it was read');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
  });
});

const asRoot = process.getuid?.() === 0 ? it : it.skip;

describe('replaceFileContent: owner', () => {
  asRoot('keeps user and group', async () => {
    const path = join(folder, 'template.yaml');
    writeFileSync(path, 'old\n');
    chownSync(path, 1234, 2345);
    chmodSync(path, 0o2640);
    const { stats } = readTextFile(path, 'template.yaml');

    await replaceFileContent(path, 'new\n', 'template.yaml', undefined, stats);

    const after = statSync(path);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(after.uid).toBe(1234);
    expect(after.gid).toBe(2345);
    expect(after.mode & 0o7777).toBe(0o2640);
  });
});

describe('replaceFileContent: long names', () => {
  it('writes a file with a 250-byte name', async () => {
    const name = `${'a'.repeat(245)}.yaml`;
    const path = join(folder, name);
    writeFileSync(path, 'old\n');

    await replaceFileContent(path, 'new\n', name);

    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(readdirSync(folder)).toEqual([name]);
  });
});

describe('readTextFile: errors', () => {
  it('names a file deleted before the read', () => {
    expect(() =>
      readTextFile(join(folder, 'gone.yaml'), 'apps/gone.yaml'),
    ).toThrow(
      'apps/gone.yaml not found: it was deleted after the search; run ' +
        'sync-versions again',
    );
  });
});

describe('findTemplateFiles: folder symlinks', () => {
  it('reports one leading outside', async () => {
    const workspace = join(folder, 'workspace');
    const outside = join(folder, 'outside');
    mkdirSync(workspace);
    mkdirSync(outside);
    writeFileSync(join(outside, 'template.yaml'), 'Resources: {}\n');
    symlinkSync(outside, join(workspace, 'stacks'));

    const search = await findTemplateFiles(workspace, ['.']);

    expect(search.files).toEqual([]);
    expect(search.skipped).toEqual([
      {
        path: 'stacks',
        reason: `symlink leads outside the workspace, to ${realpathSync(outside)}; not followed`,
      },
    ]);
  });

  it('ignores one leading inside', async () => {
    mkdirSync(join(folder, 'apps'));
    symlinkSync(join(folder, 'apps'), join(folder, 'apps-link'));

    const search = await findTemplateFiles(folder, ['.']);

    expect(search.skipped).toEqual([]);
  });
});

describe('findTemplateFiles: left temporary files', () => {
  it('reports one whose process ended', async () => {
    const name = `template.yaml.tmp-${endedProcessId()}-0a1b2c3d-7`;
    writeFileSync(join(folder, name), 'half');

    const search = await findTemplateFiles(folder, ['.']);

    expect(search.skipped).toEqual([
      {
        path: name,
        reason:
          'temporary file left by an interrupted sync-versions; delete it',
      },
    ]);
    expect(search.files).toEqual([]);
  });

  it('ignores one of a running process', async () => {
    writeFileSync(
      join(folder, `template.yaml.tmp-${process.pid}-0a1b2c3d-7`),
      'half',
    );

    const search = await findTemplateFiles(folder, ['.']);

    expect(search.skipped).toEqual([]);
  });
});

describe('writeFileAtomically', () => {
  it('sets mode under a restrictive umask', async () => {
    process.umask(0o077);
    const path = join(folder, 'dist', 'apps', 'template.yaml');

    await writeFileAtomically(path, 'new\n', 0o644);

    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('gives concurrent writes distinct temp files', async () => {
    const paths = Array.from({ length: 20 }, (_, index) =>
      join(folder, `template-${index}.yaml`),
    );
    const tempPaths: string[] = [];
    const recordWrite = async (tempPath: string, text: string) => {
      tempPaths.push(tempPath);
      writeFileSync(tempPath, text, { flag: 'wx' });
    };

    await Promise.all(
      paths.map((path) =>
        writeFileAtomically(path, 'new\n', 0o644, recordWrite),
      ),
    );

    expect(new Set(tempPaths).size).toBe(paths.length);
    for (const tempPath of tempPaths) {
      expect(tempPath).toMatch(
        new RegExp(`\\.tmp-${process.pid}-[0-9a-f]{8}-\\d+$`),
      );
    }
    expect(readdirSync(folder).sort()).toEqual(
      paths.map((path) => path.slice(folder.length + 1)).sort(),
    );
  });
});
