/** Counting lesions per size bin, and lesion volumes of a mask. */
import { describe, expect, it } from 'vitest';
import { binLabel, countLesionsByVolume, describeLesionVolumes, lesionVolumesMl, smallLesionBins } from '../../lib/eval';

describe('countLesionsByVolume', () => {
  it('counts volumes into half-open bins with the same edges as smallLesionBins', () => {
    const volumes = [0.05, 0.1, 0.5, 0.99, 1, 12, 10];
    const bins = countLesionsByVolume(volumes);
    expect(bins.map((b) => [b.label, b.n])).toEqual([['< 0.1 mL', 1], ['0.1–1 mL', 3], ['1–10 mL', 1], ['≥ 10 mL', 2]]);
    const full = smallLesionBins(volumes.map((v) => ({ volumeMl: v, detected: false, dice: 0 })));
    expect(bins.map((b) => b.n)).toEqual(full.map((b) => b.n));
  });

  it('takes other edges and rejects bad ones', () => {
    expect(countLesionsByVolume([0.5, 3], [2]).map((b) => [b.loMl, b.hiMl, b.n])).toEqual([[0, 2, 1], [2, Infinity, 1]]);
    expect(() => countLesionsByVolume([1], [1, 1])).toThrow(/increase strictly/);
    expect(binLabel(0.1, 1)).toBe('0.1–1 mL');
    expect([binLabel(0, 0.1), binLabel(1, 10), binLabel(10, Infinity)]).toEqual(['< 0.1 mL', '1–10 mL', '≥ 10 mL']);
    expect(() => binLabel(1, 1)).toThrow(/expected 0 <= low < high, got \[1, 1\)/);
  });
});

describe('lesionVolumesMl', () => {
  it('gives each connected lesion its volume in mL', () => {
    const dims: [number, number, number] = [5, 4, 3];
    const data = new Uint8Array(60);
    data[0] = 1;
    data[1] = 1; // one 2-voxel lesion
    data[4 + 5 * 3 + 20 * 2] = 1; // a far corner voxel
    const volumes = lesionVolumesMl({ data, dims, spacing: [1, 2, 2.5] });
    expect(volumes).toEqual([0.01, 0.005]);
    expect(lesionVolumesMl({ data: new Uint8Array(60), dims, spacing: [1, 1, 1] })).toEqual([]);
    expect(() => lesionVolumesMl({ data: new Uint8Array(3), dims, spacing: [1, 1, 1] })).toThrow(/lesionVolumesMl mask/);
  });
});

describe('describeLesionVolumes', () => {
  it('gives range, upper median and the count below the small-lesion bound', () => {
    expect(describeLesionVolumes([0.5, 2, 0.01], 1)).toBe('volumes from 0.0100 to 2.000 mL (median 0.500 mL); 2 are below 1 mL');
    expect(describeLesionVolumes([0.4, 0.2, 3, 0.1], 0.3)).toBe('volumes from 0.1000 to 3.000 mL (median 0.400 mL); 2 are below 0.3 mL');
    expect(() => describeLesionVolumes([], 1)).toThrow(RangeError);
  });
});
