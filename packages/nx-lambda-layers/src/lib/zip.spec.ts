import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';
import {
  collectFiles,
  reproducibleMtime,
  writeZip,
  zipDirectory,
  type ZipFileEntry,
} from './zip';

/** Lists each member as Python's zipfile module reads it. */
const PYTHON_INFOLIST = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    print(json.dumps([
        {"name": i.filename, "method": i.compress_type, "mode": i.external_attr >> 16,
         "system": i.create_system, "extra": len(i.extra), "time": list(i.date_time)}
        for i in archive.infolist()
    ]))
`;

interface PythonMember {
  name: string;
  method: number;
  mode: number;
  system: number;
  extra: number;
  time: number[];
}

let workDir: string;

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'zip-spec-'));
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

function pythonMembers(zipFile: string): PythonMember[] {
  const output = execFileSync('python3', ['-c', PYTHON_INFOLIST, zipFile]);
  return JSON.parse(output.toString()) as PythonMember[];
}

const sampleFiles = {
  'pkg/__init__.py': 'print("hello")\n'.repeat(50),
  'pkg/data/table.json': JSON.stringify({ rows: Array(200).fill('row') }),
  'pkg/empty.txt': '',
  'pkg/random.bin': randomBytes(4096),
  'Zeta.txt': 'upper case sorts before lower case in byte order\n',
  'caf\u00e9/menu.txt': 'non-ASCII name\n',
};

describe('zipDirectory', () => {
  it('passes unzip -t and python zipfile -t', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, sampleFiles);
    const zipFile = join(workDir, 'out.zip');

    await zipDirectory(root, zipFile, { prefix: 'python/' });

    const unzip = spawnSync('unzip', ['-t', zipFile]);
    expect(unzip.stderr.toString()).toBe('');
    expect(unzip.status).toBe(0);
    const python = spawnSync('python3', ['-m', 'zipfile', '-t', zipFile]);
    expect(python.stderr.toString()).toBe('');
    expect(python.status).toBe(0);
  });

  it('round-trips bytes, modes and mtime through jszip', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, sampleFiles);
    chmodSync(join(root, 'pkg/__init__.py'), 0o744);
    const zipFile = join(workDir, 'out.zip');
    const mtime = new Date('2024-03-05T06:07:08Z');

    await zipDirectory(root, zipFile, { prefix: 'python/', mtime });

    const archive = await JSZip.loadAsync(readFileSync(zipFile));
    const names = Object.keys(archive.files);
    expect(names).toEqual(
      Object.keys(sampleFiles)
        .map((name) => `python/${name}`)
        .sort(),
    );
    for (const [name, content] of Object.entries(sampleFiles)) {
      const member = archive.files[`python/${name}`];
      const bytes = await member.async('nodebuffer');
      expect(bytes.equals(Buffer.from(content))).toBe(true);
      expect(member.date.toISOString()).toBe('2024-03-05T06:07:08.000Z');
    }
    expect(archive.files['python/pkg/__init__.py'].unixPermissions).toBe(
      0o100755,
    );
    expect(archive.files['python/pkg/empty.txt'].unixPermissions).toBe(
      0o100644,
    );
  });

  it('writes UNIX attributes, no extra fields and no folders', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, sampleFiles);
    const zipFile = join(workDir, 'out.zip');

    await zipDirectory(root, zipFile);

    const members = pythonMembers(zipFile);
    expect(members.map((member) => member.name)).toEqual([
      'Zeta.txt',
      'caf\u00e9/menu.txt',
      'pkg/__init__.py',
      'pkg/data/table.json',
      'pkg/empty.txt',
      'pkg/random.bin',
    ]);
    for (const member of members) {
      expect(member.system).toBe(3);
      expect(member.extra).toBe(0);
      expect(member.mode).toBe(0o100644);
      expect(member.time).toEqual([1980, 1, 1, 0, 0, 0]);
    }
  });

  it('stores files that deflate does not shrink', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, sampleFiles);
    const zipFile = join(workDir, 'out.zip');

    await zipDirectory(root, zipFile);

    const methods = Object.fromEntries(
      pythonMembers(zipFile).map((member) => [member.name, member.method]),
    );
    expect(methods['pkg/random.bin']).toBe(0);
    expect(methods['pkg/empty.txt']).toBe(0);
    expect(methods['pkg/__init__.py']).toBe(8);
    expect(methods['pkg/data/table.json']).toBe(8);
  });

  it('stores compressed formats without deflate', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, {
      'data/service.json.gz': 'compressible '.repeat(100),
      'data/service.json': 'compressible '.repeat(100),
      'docs/logo.PNG': 'compressible '.repeat(100),
    });
    const zipFile = join(workDir, 'out.zip');

    await zipDirectory(root, zipFile);

    const methods = Object.fromEntries(
      pythonMembers(zipFile).map((member) => [member.name, member.method]),
    );
    expect(methods['data/service.json.gz']).toBe(0);
    expect(methods['docs/logo.PNG']).toBe(0);
    expect(methods['data/service.json']).toBe(8);
  });

  it('gives the same bytes for the same input', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, sampleFiles);
    const first = join(workDir, 'first.zip');
    const second = join(workDir, 'second.zip');

    await zipDirectory(root, first);
    utimesSync(join(root, 'pkg/__init__.py'), 1_000_000, 1_000_000);
    utimesSync(join(root, 'Zeta.txt'), 2_000_000_000, 2_000_000_000);
    await zipDirectory(root, second);

    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
  });

  it('reports sizes and the SHA-256 of the zip', async () => {
    const root = join(workDir, 'tree');
    writeTree(root, sampleFiles);
    const zipFile = join(workDir, 'out.zip');

    const result = await zipDirectory(root, zipFile);

    const bytes = readFileSync(zipFile);
    const digest = createHash('sha256').update(bytes).digest();
    expect(result.zipBytes).toBe(bytes.length);
    expect(result.sha256).toBe(digest.toString('hex'));
    expect(result.sha256Base64).toBe(digest.toString('base64'));
    expect(result.fileCount).toBe(6);
    const expectedSize = Object.values(sampleFiles).reduce(
      (sum, content) => sum + Buffer.byteLength(content),
      0,
    );
    expect(result.unzippedBytes).toBe(expectedSize);
  });

  it('keeps order with many and large files', async () => {
    const root = join(workDir, 'tree');
    const files: Record<string, Buffer> = {};
    for (let index = 0; index < 300; index += 1) {
      files[`f${index}.txt`] = Buffer.from(`file ${index}\n`.repeat(index));
    }
    files['big.bin'] = Buffer.concat([
      randomBytes(3 * 1024 * 1024),
      Buffer.alloc(2 * 1024 * 1024, 'a'),
    ]);
    writeTree(root, files);
    const zipFile = join(workDir, 'out.zip');

    await zipDirectory(root, zipFile);

    const archive = await JSZip.loadAsync(readFileSync(zipFile));
    expect(Object.keys(archive.files)).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) {
      const bytes = await archive.files[name].async('nodebuffer');
      expect(bytes.equals(content)).toBe(true);
    }
    expect(spawnSync('unzip', ['-tq', zipFile]).status).toBe(0);
  });

  it('writes an empty zip for an empty folder', async () => {
    const root = join(workDir, 'tree');
    mkdirSync(join(root, 'only-folders'), { recursive: true });
    const zipFile = join(workDir, 'out.zip');

    const result = await zipDirectory(root, zipFile);

    expect(result.fileCount).toBe(0);
    expect(result.zipBytes).toBe(22);
    expect(pythonMembers(zipFile)).toEqual([]);
  });
});

describe('writeZip', () => {
  it('keeps the previous zip when a file is missing', async () => {
    const zipFile = join(workDir, 'out.zip');
    writeFileSync(zipFile, 'previous zip');
    const entries: ZipFileEntry[] = [
      {
        name: 'a.txt',
        source: join(workDir, 'missing.txt'),
        mode: 0o644,
        size: 1,
      },
    ];

    await expect(writeZip(entries, zipFile)).rejects.toThrow(/missing\.txt/);

    expect(readFileSync(zipFile, 'utf8')).toBe('previous zip');
    expect(readdirSync(workDir)).toEqual(['out.zip']);
  });

  it('rejects a file that changed size', async () => {
    const source = join(workDir, 'a.txt');
    writeFileSync(source, 'four');
    const entries = [{ name: 'a.txt', source, mode: 0o644, size: 3 }];

    await expect(writeZip(entries, join(workDir, 'out.zip'))).rejects.toThrow(
      `${source} changed while it was zipped: expected 3 bytes, read 4`,
    );
  });

  it('rejects more than 65535 entries', async () => {
    const entries = Array.from({ length: 65_536 }, (_, index) => ({
      name: `f${index}`,
      source: '/nonexistent',
      mode: 0o644,
      size: 0,
    }));

    await expect(writeZip(entries, join(workDir, 'out.zip'))).rejects.toThrow(
      'cannot zip 65536 files: a zip without Zip64 contains at most 65535',
    );
  });

  it('rejects a file over 4 GiB', async () => {
    const entries = [
      {
        name: 'huge.bin',
        source: '/data/huge.bin',
        mode: 0o644,
        size: 2 ** 32,
      },
    ];

    await expect(writeZip(entries, join(workDir, 'out.zip'))).rejects.toThrow(
      'cannot zip /data/huge.bin: 4294967296 bytes is over the 4 GiB limit',
    );
  });

  it('rejects a file over 2 GiB', async () => {
    const entries = [
      { name: 'big.bin', source: '/data/big.bin', mode: 0o644, size: 2 ** 31 },
    ];

    await expect(writeZip(entries, join(workDir, 'out.zip'))).rejects.toThrow(
      'cannot zip /data/big.bin: 2147483648 bytes is over 2 GiB',
    );
  });

  it('rejects duplicate and unsafe names', async () => {
    const source = join(workDir, 'a.txt');
    writeFileSync(source, 'a');
    const entry = { name: 'a.txt', source, mode: 0o644, size: 1 };
    const outFile = join(workDir, 'out.zip');

    await expect(writeZip([entry, entry], outFile)).rejects.toThrow(
      'duplicate zip entry name a.txt',
    );
    for (const name of ['../a.txt', '/a.txt', 'x//a.txt', 'x/./a.txt']) {
      await expect(writeZip([{ ...entry, name }], outFile)).rejects.toThrow(
        `invalid zip entry name ${JSON.stringify(name)}`,
      );
    }
  });

  it('stores everything at level 0', async () => {
    const source = join(workDir, 'a.txt');
    writeFileSync(source, 'a'.repeat(1000));
    const zipFile = join(workDir, 'out.zip');

    await writeZip(
      [{ name: 'a.txt', source, mode: 0o644, size: 1000 }],
      zipFile,
      {
        level: 0,
      },
    );

    expect(pythonMembers(zipFile)[0].method).toBe(0);
  });
});

describe('collectFiles', () => {
  it('sorts by bytes and normalizes modes', async () => {
    writeTree(workDir, { 'b.sh': '#!/bin/sh\n', 'B.txt': 'b', 'a/z.txt': 'z' });
    chmodSync(join(workDir, 'b.sh'), 0o700);
    chmodSync(join(workDir, 'B.txt'), 0o600);

    const entries = await collectFiles(workDir, { prefix: 'python' });

    expect(entries).toEqual([
      {
        name: 'python/B.txt',
        source: join(workDir, 'B.txt'),
        mode: 0o644,
        size: 1,
      },
      {
        name: 'python/a/z.txt',
        source: join(workDir, 'a/z.txt'),
        mode: 0o644,
        size: 1,
      },
      {
        name: 'python/b.sh',
        source: join(workDir, 'b.sh'),
        mode: 0o755,
        size: 10,
      },
    ]);
  });

  it('skips excluded files and folders', async () => {
    writeTree(workDir, {
      'pkg/__pycache__/mod.cpython-311.pyc': 'bytecode',
      'pkg/mod.py': 'x = 1\n',
      'pkg/other.pyc': 'bytecode',
    });
    const seen: string[] = [];

    const entries = await collectFiles(workDir, {
      exclude: (path) => {
        seen.push(path);
        return path.endsWith('__pycache__') || path.endsWith('.pyc');
      },
    });

    expect(entries.map((entry) => entry.name)).toEqual(['pkg/mod.py']);
    expect(seen).not.toContain('pkg/__pycache__/mod.cpython-311.pyc');
  });

  it('follows symbolic links inside the root', async () => {
    writeTree(workDir, { 'lib/real.py': 'x = 1\n' });
    symlinkSync('real.py', join(workDir, 'lib/alias.py'));
    symlinkSync('lib', join(workDir, 'linked-lib'));

    const entries = await collectFiles(workDir);

    expect(entries.map((entry) => [entry.name, entry.size])).toEqual([
      ['lib/alias.py', 6],
      ['lib/real.py', 6],
      ['linked-lib/alias.py', 6],
      ['linked-lib/real.py', 6],
    ]);
  });

  it('rejects symbolic links outside the root', async () => {
    const root = join(workDir, 'tree');
    writeTree(workDir, { 'secret.txt': 'secret', 'tree/ok.txt': 'ok' });
    symlinkSync('../secret.txt', join(root, 'leak.txt'));

    await expect(collectFiles(root)).rejects.toThrow(
      `symbolic link ${join(root, 'leak.txt')} -> ../secret.txt points outside ${root}`,
    );
  });

  it('rejects a symbolic link loop', async () => {
    writeTree(workDir, { 'pkg/mod.py': '' });
    symlinkSync('..', join(workDir, 'pkg/parent'));

    await expect(collectFiles(workDir)).rejects.toThrow(
      'points to a folder that contains it',
    );
  });

  it('rejects a missing root folder', async () => {
    const root = join(workDir, 'absent');

    await expect(collectFiles(root)).rejects.toThrow(
      `cannot read folder ${root} to zip it: ENOENT`,
    );
  });
});

describe('reproducibleMtime', () => {
  it('defaults to 1980-01-01', () => {
    expect(reproducibleMtime({}).toISOString()).toBe(
      '1980-01-01T00:00:00.000Z',
    );
  });

  it('reads SOURCE_DATE_EPOCH', () => {
    const mtime = reproducibleMtime({ SOURCE_DATE_EPOCH: '1700000000' });

    expect(mtime.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('rejects an invalid SOURCE_DATE_EPOCH', () => {
    expect(() => reproducibleMtime({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(
      'invalid SOURCE_DATE_EPOCH "yesterday"',
    );
  });
});
