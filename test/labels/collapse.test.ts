import { describe, expect, it } from 'vitest';
import { argmaxIsLesion, collapseToBinary, lesionBeatsBackgroundSum } from '../../lib/labels';

describe('collapse rules', () => {
  // 4 voxels, 3 classes (0, 1 background groups; 2 lesion), voxel-major
  const probs = Float32Array.from([
    0.3, 0.3, 0.4, // argmax lesion, but 0.4 < 0.6: the rules differ
    0.1, 0.2, 0.7, // both lesion
    0.5, 0.1, 0.4, // neither
    0.2, 0.4, 0.4, // tie between class 1 and lesion: first maximum (class 1) wins
  ]);
  it('differ where background mass is split', () => {
    expect(Array.from(argmaxIsLesion(probs, { numClasses: 3 }))).toEqual([1, 1, 0, 0]);
    expect(Array.from(lesionBeatsBackgroundSum(probs, { numClasses: 3 }))).toEqual([0, 1, 0, 0]);
  });
  it('per-class layout gives the same result as voxel-major', () => {
    const perClass = [0, 1, 2].map((c) => Float32Array.from({ length: 4 }, (_, v) => probs[v * 3 + c]));
    expect(Array.from(collapseToBinary(perClass, 'argmaxIsLesion'))).toEqual([1, 1, 0, 0]);
    expect(Array.from(collapseToBinary(perClass, 'lesionBeatsBackgroundSum'))).toEqual([0, 1, 0, 0]);
  });
  it('lesion class need not be last', () => {
    expect(Array.from(argmaxIsLesion(probs, { numClasses: 3, lesionClass: 0 }))).toEqual([0, 0, 1, 0]);
    expect(Array.from(lesionBeatsBackgroundSum(probs, { numClasses: 3, lesionClass: 0 }))).toEqual([0, 0, 0, 0]);
  });
  it('validates layout', () => {
    expect(() => argmaxIsLesion(probs, { numClasses: 5 })).toThrow(/multiple of numClasses 5/);
    expect(() => argmaxIsLesion(probs)).toThrow(/numClasses/);
    expect(() => collapseToBinary(probs, 'nope' as never, { numClasses: 3 })).toThrow(/unknown rule/);
  });
});
