/**
 * lib/core atomic writes: parent folders created, no temporary file left behind,
 * the old file kept when a write fails, and errors naming the file; folders written
 * as a unit (sub-folders, nothing left behind when filling fails).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFolderAtomic, writeFolderAtomicSync } from '../../lib/core/atomic';

describe('atomic writes', () => {
  it('writes through a temporary file and leaves none behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-atomic-'));
    const file = path.join(dir, 'sub', 'a.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, Buffer.from('two'));
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['a.txt']);
    expect(() => writeFileAtomic(path.join(file, 'x'), 'y')).toThrow(/could not write .*a\.txt\/x/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('atomic writes without mkdir', () => {
  it('refuses a missing folder, keeps the error cause and leaves nothing behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-atomic-'));
    const file = path.join(dir, 'missing', 'b.json');
    let err: unknown;
    try {
      writeFileAtomic(file, '{"a":1}', { mkdir: false });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(/could not write .*missing\/b\.json: ENOENT/);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(fs.readdirSync(dir)).toEqual([]);
    writeFileAtomic(path.join(dir, 'x.json'), '{"a":1}', { mkdir: false });
    expect(fs.readFileSync(path.join(dir, 'x.json'), 'utf8')).toBe('{"a":1}');
    fs.rmSync(dir, { recursive: true });
  });
});

describe('folders written as a unit', () => {
  it('writes names with sub-folders, replaces the previous folder, and refuses names outside it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'core-atomic-folder-'));
    const dir = path.join(root, 'out');
    expect(writeFolderAtomicSync(dir, (write) => write('a/b/c.txt', 'one'))).toEqual(['a/b/c.txt']);
    expect(fs.readFileSync(path.join(dir, 'a', 'b', 'c.txt'), 'utf8')).toBe('one');
    await writeFolderAtomic(dir, async (write) => write('d.txt', 'two'));
    expect(fs.readdirSync(dir)).toEqual(['d.txt']);
    expect(fs.readdirSync(root)).toEqual(['out']);
    expect(() => writeFolderAtomicSync(dir, (write) => write('../escape.txt', 'x'))).toThrow(/'\.\.\/escape\.txt' is not a name inside the folder/);
    expect(fs.readdirSync(root)).toEqual(['out']);
    fs.rmSync(root, { recursive: true });
  });

  it('a fill that throws leaves the previous folder as it was and no .partial', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'core-atomic-folder-'));
    const dir = path.join(root, 'out');
    writeFolderAtomicSync(dir, (write) => write('keep.txt', 'old'));
    const boom = (write: (n: string, d: string) => void) => {
      write('half.txt', 'new');
      throw new Error('bad input: x.png');
    };
    expect(() => writeFolderAtomicSync(dir, boom)).toThrow('bad input: x.png');
    await expect(writeFolderAtomic(dir, async (write) => boom(write))).rejects.toThrow('bad input: x.png');
    expect(fs.readdirSync(root)).toEqual(['out']);
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
    expect(() => writeFolderAtomicSync(path.join(root, 'fresh'), boom)).toThrow('bad input');
    expect(fs.readdirSync(root)).toEqual(['out']);
    fs.rmSync(root, { recursive: true });
  });
});
