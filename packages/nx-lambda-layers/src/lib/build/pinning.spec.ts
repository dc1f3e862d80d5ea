import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findUnpinnedRequirements } from './pinning';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'pinning-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function write(name: string, text: string): void {
  const path = join(folder, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

describe('findUnpinnedRequirements', () => {
  it('lists unpinned lines of the file itself', () => {
    expect(
      findUnpinnedRequirements(['sosw==2.7.1', 'requests>=2'], folder),
    ).toEqual(['requests>=2']);
  });

  it('follows -r includes at any depth', () => {
    write('base.txt', 'boto3\n-r nested/more.txt\n');
    write('nested/more.txt', 'pymongo==4.6.1\n--requirement=last.txt\n');
    write('nested/last.txt', 'bson\n');

    expect(
      findUnpinnedRequirements(['sosw==2.7.1', '-r base.txt'], folder),
    ).toEqual(['boto3', 'bson']);
  });

  it('takes names pinned by constraints as pinned', () => {
    write('constraints.txt', 'Requests==2.31.0\nurllib3<3\n');

    expect(
      findUnpinnedRequirements(
        ['-c constraints.txt', 'requests', 'urllib3'],
        folder,
      ),
    ).toEqual(['urllib3']);
  });

  it('reads a file included twice once', () => {
    write('a.txt', 'six\n-r b.txt\n');
    write('b.txt', '-r a.txt\nattrs\n');

    expect(findUnpinnedRequirements(['-r a.txt', '-r b.txt'], folder)).toEqual([
      'six',
      'attrs',
    ]);
  });

  it('leaves missing and remote files to pip', () => {
    expect(
      findUnpinnedRequirements(
        ['-r missing.txt', '-r https://example.com/r.txt', 'sosw==2.7.1'],
        folder,
      ),
    ).toEqual([]);
  });
});
