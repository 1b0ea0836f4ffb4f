import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../lib/core/volume';
import { simulateNoisyLabels } from '../../lib/labels/noisy';
import { formatNoiseSweep, noiseSweep } from '../../lib/study/noise-sweep';

describe('noiseSweep', () => {
  // two cubes of different classes in a 12×12×12 grid
  const dims: [number, number, number] = [12, 12, 12];
  const data = new Uint8Array(12 * 12 * 12);
  for (let k = 2; k < 10; k++) for (let j = 2; j < 10; j++) for (let i = 1; i < 11; i++) data[i + 12 * (j + 12 * k)] = i < 6 ? 1 : 2;
  const aux = makeVolume(data, dims, [1, 1, 1]);

  it('gives Dice 1 and no change at noise 0, less than 1 at noise 1', () => {
    const r = noiseSweep(aux, ['left', 'right', 'absent'], { levels: [0, 1], seeds: [1, 2] });
    expect(r.classes).toEqual([{ id: 1, name: 'left' }, { id: 2, name: 'right' }]);
    expect(r.dice.map((row) => row[0])).toEqual([1, 1]);
    expect(r.changedFraction[0]).toBe(0);
    expect(r.meanDice[1]).toBeLessThan(1);
    expect(r.changedFraction[1]).toBeGreaterThan(0);
  });

  it('averages Dice over seeds and matches a direct computation for one seed', () => {
    const r = noiseSweep(aux, ['left', 'right'], { levels: [0.5], seeds: [3] });
    const noisy = simulateNoisyLabels(aux, { noiseLevel: 0.5, seed: 3 }).labels.data;
    let both = 0, a = 0, b = 0;
    for (let p = 0; p < data.length; p++) {
      if (noisy[p] === 1) a++;
      if (data[p] === 1) b++;
      if (noisy[p] === 1 && data[p] === 1) both++;
    }
    expect(r.dice[0][0]).toBeCloseTo((2 * both) / (a + b), 12);
    const again = noiseSweep(aux, ['left', 'right'], { levels: [0.5], seeds: [3] });
    expect(again).toEqual(r);
  });

  it('rejects unnamed ids and empty inputs', () => {
    expect(() => noiseSweep(aux, ['left'], { levels: [0] })).toThrow(/label id\(s\) 2 have no name/);
    expect(() => noiseSweep(aux, ['left', 'right'], { levels: [] })).toThrow(/no noise levels/);
    expect(() => noiseSweep(makeVolume(new Uint8Array(8), [2, 2, 2], [1, 1, 1]), ['x'], { levels: [0] })).toThrow(/no labelled voxels/);
  });
});

describe('formatNoiseSweep', () => {
  it('writes one row per level with the changed share, mean and per-class Dice', () => {
    const text = formatNoiseSweep({
      levels: [0, 1], seeds: [1], classes: [{ id: 1, name: 'left' }, { id: 2, name: 'right' }],
      dice: [[1, 0.5], [1, 0.25]], meanDice: [1, 0.375], changedFraction: [0, 0.1234],
    });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^noise\s+changed voxels %\s+mean Dice\s+left\s+right$/);
    expect(lines[3].split(/\s+/).filter(Boolean)).toEqual(['1', '12.34', '0.375', '0.5', '0.25']);
  });
});
