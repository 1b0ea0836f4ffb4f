/**
 * Checkpoint files: round trip, corruption detection (structure and SHA-256),
 * format versions, atomic writes, moving corrupt files aside and pruning.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeCheckpoint, encodeCheckpoint, listCheckpoints, pruneCheckpoints, saveCheckpoint, loadCheckpoint, checkpointName } from '../../lib/run';
import { writeFileAtomic } from '../../lib/core/atomic';
import { moveAsideCorrupt } from '../../lib/run/checkpoint';

const sample = () => ({
  step: 42,
  arrays: new Map([
    ['weights/a', { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6.5]) }],
    ['optimizer/m:a', { shape: [6], values: new Float32Array(6).fill(-0.25) }],
  ]),
  meta: { sampler: { seed: 1, nextStep: 42 }, note: 'ünïcode' },
});

describe('checkpoints', () => {
  it('encode/decode round-trips arrays and metadata bit-exactly', () => {
    const back = decodeCheckpoint(encodeCheckpoint(sample()));
    expect(back.step).toBe(42);
    expect(back.meta).toEqual(sample().meta);
    expect(Array.from(back.arrays.get('weights/a')!.values)).toEqual([1, 2, 3, 4, 5, 6.5]);
    expect(back.arrays.get('weights/a')!.shape).toEqual([2, 3]);
  });

  it('detects bad magic, truncation and trailing bytes', () => {
    const buf = encodeCheckpoint(sample());
    expect(() => decodeCheckpoint(Buffer.from('nope'), 'x.ckpt')).toThrow(/x\.ckpt: not a BackSplit checkpoint/);
    expect(() => decodeCheckpoint(buf.subarray(0, buf.length - 4), 'x.ckpt')).toThrow(/truncated data at array 'optimizer\/m:a'/);
    expect(() => decodeCheckpoint(Buffer.concat([buf, Buffer.alloc(4)]), 'x.ckpt')).toThrow(/4 trailing bytes/);
  });

  it('saves atomically (no temporary files left), lists by step and prunes old ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-ck-'));
    for (const s of [10, 2, 30]) saveCheckpoint(dir, checkpointName(s), { ...sample(), step: s });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([2, 10, 30]);
    pruneCheckpoints(dir, 2);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([10, 30]);
    expect(loadCheckpoint(path.join(dir, checkpointName(30))).step).toBe(30);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a flipped bit anywhere after the prefix by its SHA-256', () => {
    const buf = Buffer.from(encodeCheckpoint(sample()));
    for (const at of [50, buf.length - 3]) {
      const bad = Buffer.from(buf);
      bad[at] ^= 0x10;
      expect(() => decodeCheckpoint(bad, 'x.ckpt'), `byte ${at}`).toThrow(/x\.ckpt: (checksum mismatch|corrupt header)/);
    }
  });

  it('still reads format 1 files (no checksum) and refuses unknown versions clearly', () => {
    const v2 = encodeCheckpoint(sample());
    // format 1 = the same without the 32-byte SHA-256 after the 12-byte prefix
    const v1 = Buffer.concat([v2.subarray(0, 12), v2.subarray(44)]);
    v1.writeUInt32LE(1, 4);
    const back = decodeCheckpoint(v1, 'old.ckpt');
    expect(back.step).toBe(42);
    expect(Array.from(back.arrays.get('weights/a')!.values)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const v9 = Buffer.from(v2);
    v9.writeUInt32LE(9, 4);
    expect(() => decodeCheckpoint(v9, 'new.ckpt')).toThrow(/new\.ckpt: checkpoint format version 9 is not supported \(this BackSplit reads versions 1 and 2/);
  });

  it('moves a corrupt checkpoint aside (never overwriting an earlier one) and pruning does not count it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-ck-'));
    for (const s of [4, 8]) saveCheckpoint(dir, checkpointName(s), { ...sample(), step: s });
    const f = path.join(dir, checkpointName(8));
    expect(moveAsideCorrupt(f)).toBe(`${f}.corrupt`);
    saveCheckpoint(dir, checkpointName(8), { ...sample(), step: 8 });
    expect(moveAsideCorrupt(f)).toBe(`${f}.corrupt-1`);
    saveCheckpoint(dir, checkpointName(12), { ...sample(), step: 12 });
    pruneCheckpoints(dir, 1);
    expect(fs.readdirSync(dir).sort()).toEqual([`${checkpointName(8)}.corrupt`, `${checkpointName(8)}.corrupt-1`, checkpointName(12)]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
