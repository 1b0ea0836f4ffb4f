import { describe, expect, it } from 'vitest';
import { makeVolume, Vec3 } from '../../lib/core/volume';
import { buildBackSplitLabels, classTable, labelsForCase, parseGroupSpec } from '../../lib/labels';

const dims: Vec3 = [4, 3, 2]; // 24 voxels
const spacing: Vec3 = [2, 1, 1]; // 2 mm³ per voxel = 0.002 mL

function vol(values: number[]) {
  return makeVolume(Uint8Array.from(values), dims, spacing);
}

// aux A: ids 1 (first 8 voxels) and 2 (next 8); aux B: id 5 on voxels 4..11, id 6 on 20..23
const auxA = vol(Array.from({ length: 24 }, (_, p) => (p < 8 ? 1 : p < 16 ? 2 : 0)));
const auxB = vol(Array.from({ length: 24 }, (_, p) => (p >= 4 && p < 12 ? 5 : p >= 20 ? 6 : 0)));
const lesion = vol(Array.from({ length: 24 }, (_, p) => (p === 0 || p === 10 || p === 18 ? 1 : 0)));

describe('buildBackSplitLabels', () => {
  it('lesion overrides aux, first source wins by default, exact counts', () => {
    const r = buildBackSplitLabels({
      lesion,
      aux: [
        { volume: auxA, name: 'A', classNames: ['liver', 'kidney'] },
        { volume: auxB, name: 'B', classNames: ['x1', 'x2', 'x3', 'x4', 'vessel', 'bone'] },
      ],
    });
    // classes: background, liver, kidney, x1..x4, vessel, bone, lesion
    expect(r.classes.map((c) => c.name)).toEqual(['background', 'liver', 'kidney', 'x1', 'x2', 'x3', 'x4', 'vessel', 'bone', 'lesion']);
    expect(r.lesionClass).toBe(9);
    const counts = Object.fromEntries(r.classes.map((c) => [c.name, c.voxels]));
    // liver: voxels 0..7 minus lesion voxel 0 = 7; kidney 8..15 minus lesion 10 = 7
    // vessel: B's 4..11 all covered by A (A first) → 0; bone: 20..23 = 4; lesion 3; background 24-7-7-4-3 = 3
    expect(counts).toMatchObject({ liver: 7, kidney: 7, vessel: 0, bone: 4, lesion: 3, background: 3 });
    expect(r.classes.find((c) => c.name === 'bone')!.volumeMl).toBeCloseTo(0.008, 9);
    expect(Array.from(r.binary.data).reduce((a, b) => a + b, 0)).toBe(3);
    for (let p = 0; p < 24; p++) expect(r.binary.data[p]).toBe(r.labels.data[p] === 9 ? 1 : 0);
  });

  it('explicit precedence changes which aux wins', () => {
    const r = buildBackSplitLabels({
      lesion,
      aux: [
        { volume: auxA, name: 'A', classNames: ['liver', 'kidney'] },
        { volume: auxB, name: 'B', classNames: ['x1', 'x2', 'x3', 'x4', 'vessel', 'bone'] },
      ],
      precedence: ['B', 'A'],
    });
    const counts = Object.fromEntries(r.classes.map((c) => [c.name, c.voxels]));
    // vessel now takes 4..11 except lesion voxel 10 → 7; liver 0..3 minus lesion 0 → 3; kidney 12..15 → 4
    expect(counts).toMatchObject({ liver: 3, kidney: 4, vessel: 7, bone: 4, lesion: 3, background: 3 });
  });

  it('groups merge by name across sources and via specs', () => {
    const specA = parseGroupSpec({ name: 'a', groups: [{ name: 'organ', ids: [1, 2] }] });
    const specB = parseGroupSpec({ name: 'b', groups: [{ name: 'organ', ids: [5] }, { name: 'bone', ids: [6] }] });
    const r = buildBackSplitLabels({ lesion, aux: [{ volume: auxA, name: 'A', groups: specA }, { volume: auxB, name: 'B', groups: specB }] });
    expect(r.auxNames).toEqual(['organ', 'bone']);
    expect(r.classes.map((c) => [c.id, c.name, c.voxels, c.source])).toEqual([
      [0, 'background', 3, 'background'],
      [1, 'organ', 14, 'A+B'],
      [2, 'bone', 4, 'B'],
      [3, 'lesion', 3, 'lesion'],
    ]);
  });

  it('no aux: binary class map; lesionValues picks label values', () => {
    const multi = vol(Array.from({ length: 24 }, (_, p) => (p < 5 ? 2 : p < 9 ? 1 : 0)));
    const r = buildBackSplitLabels({ lesion: multi, lesionValues: [2] });
    expect(r.classes.map((c) => c.voxels)).toEqual([19, 5]);
    expect(r.lesionClass).toBe(1);
  });

  it('without names or spec, present ids become classes in id order', () => {
    const r = buildBackSplitLabels({ lesion, aux: [{ volume: auxB, name: 'seg' }] });
    expect(r.auxNames).toEqual(['seg:5', 'seg:6']);
  });

  it('errors name the source and the problem', () => {
    const other = makeVolume(new Uint8Array(12), [2, 3, 2], spacing);
    expect(() => buildBackSplitLabels({ lesion, aux: [{ volume: other, name: 'small.nii.gz' }] })).toThrow(/small\.nii\.gz.*dims differ|dims differ/);
    expect(() => buildBackSplitLabels({ lesion, aux: [{ volume: auxB, name: 'B', classNames: ['a', 'b'] }] })).toThrow(/B: label id\(s\) 5, 6 have no name/);
    expect(() => buildBackSplitLabels({ lesion, aux: [{ volume: auxA, name: 'A' }], precedence: ['A', 'Z'] })).toThrow(/precedence/);
    const f = makeVolume(Float32Array.from({ length: 24 }, (_, p) => (p === 3 ? 1.5 : 0)), dims, spacing);
    expect(() => buildBackSplitLabels({ lesion, aux: [{ volume: f, name: 'float.nii' }] })).toThrow(/float\.nii.*integers.*1\.5/);
  });

  it('classTable counts every id', () => {
    const t = classTable(vol(Array.from({ length: 24 }, (_, p) => p % 3)), ['a', 'b', 'c'], ['s', 's', 's']);
    expect(t.map((r) => r.voxels)).toEqual([8, 8, 8]);
  });
});

describe('labelsForCase', () => {
  it('binary and backsplit targets share the lesion voxels', () => {
    const c = {
      id: 'k',
      channels: [makeVolume(new Float32Array(24), dims, spacing)],
      channelNames: ['x'],
      lesion: lesion,
      aux: vol(Array.from({ length: 24 }, (_, p) => (p < 8 ? 1 : p < 16 ? 2 : 0))),
      auxNames: ['liver', 'kidney'],
    };
    const b = labelsForCase(c, 'binary');
    const s = labelsForCase(c, 'backsplit');
    expect(b.numClasses).toBe(2);
    expect(s.numClasses).toBe(4);
    expect(s.classes.map((x) => x.voxels)).toEqual([7, 7, 7, 3]); // each of bg, liver, kidney loses one voxel to the lesion
    for (let p = 0; p < 24; p++) expect(b.labels.data[p] === 1).toBe(s.labels.data[p] === s.lesionClass);
    expect(() => labelsForCase({ ...c, aux: undefined }, 'backsplit')).toThrow(/case k has no auxiliary labels/);
  });
});
