/**
 * Checkpoint files: round trip, corruption detection, atomic writes and pruning.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeCheckpoint, encodeCheckpoint, listCheckpoints, pruneCheckpoints, saveCheckpoint, loadCheckpoint, checkpointName } from '../../lib/run';
import { writeFileAtomic } from '../../lib/core/atomic';

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
});
