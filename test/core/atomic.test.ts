/**
 * lib/core atomic writes: parent folders created, no temporary file left behind,
 * the old file kept when a write fails, and errors naming the file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../lib/core/atomic';

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
