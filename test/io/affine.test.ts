/**
 * qform ↔ affine conversions: random rotations (both handednesses) survive the round
 * trip; a sheared matrix maps to its nearest rotation; inverses are inverses.
 */
import { describe, expect, it } from 'vitest';
import { affineToQuaternion, det3, invertAffine, multiplyAffine, quaternionToAffine } from '../../lib/io/affine';
import { seededRandom } from '../../data-scripts/fixtures/ts-written-cases';

function randomRotation(rnd: () => number): number[][] {
  // unit quaternion from 4 gaussians-ish (uniform cube, normalised) — any rotation will do
  let q = [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5, rnd() - 0.5];
  const n = Math.hypot(...q);
  q = q.map((x) => x / n);
  const [a, b, c, d] = q;
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
}

describe('qform conversions', () => {
  it('round trip for 200 random rotations, zooms and flips', () => {
    const rnd = seededRandom(11);
    for (let t = 0; t < 200; t++) {
      const r = randomRotation(rnd);
      const zooms = [0.3 + rnd() * 3, 0.3 + rnd() * 3, 0.3 + rnd() * 3];
      const flip = t % 2 === 0 ? -1 : 1;
      const aff = [0, 1, 2].map((i) => [r[i][0] * zooms[0], r[i][1] * zooms[1], r[i][2] * zooms[2] * flip, (rnd() - 0.5) * 200]);
      aff.push([0, 0, 0, 1]);
      const q = affineToQuaternion(aff);
      expect(q.qfac).toBe(det3(aff) < 0 ? -1 : 1);
      expect(1 - (q.b ** 2 + q.c ** 2 + q.d ** 2)).toBeGreaterThanOrEqual(-1e-12);
      const back = quaternionToAffine(q);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(back[i][j]).toBeCloseTo(aff[i][j], 9);
    }
  });

  it('known case: 90° about z', () => {
    const aff = [[0, -2, 0, 1], [2, 0, 0, 2], [0, 0, 3, 3], [0, 0, 0, 1]];
    const q = affineToQuaternion(aff);
    expect(q.b).toBeCloseTo(0, 12);
    expect(q.c).toBeCloseTo(0, 12);
    expect(q.d).toBeCloseTo(Math.SQRT1_2, 12);
    expect(q.zooms).toEqual([2, 2, 3]);
  });

  it('a sheared matrix gives the nearest rotation (orthonormal result)', () => {
    const aff = [[1, 0.2, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    const q = quaternionToAffine(affineToQuaternion(aff));
    const cols = [0, 1, 2].map((c) => [0, 1, 2].map((r) => q[r][c]));
    const norm = (v: number[]) => Math.hypot(...v);
    const zooms = affineToQuaternion(aff).zooms;
    cols.forEach((c, i) => expect(norm(c)).toBeCloseTo(zooms[i], 9));
    const dot = cols[0].reduce((s, x, i) => s + x * cols[1][i], 0);
    expect(Math.abs(dot)).toBeLessThan(1e-9);
  });

  it('quaternions with b²+c²+d² > 1 are normalised (NIfTI reference behaviour)', () => {
    const m = quaternionToAffine({ b: 2, c: 0, d: 0, qoffset: [0, 0, 0], zooms: [1, 1, 1], qfac: 1 });
    expect(m[0][0]).toBeCloseTo(1, 12);
    expect(m[1][1]).toBeCloseTo(-1, 12);
    expect(m[2][2]).toBeCloseTo(-1, 12);
  });

  it('invertAffine', () => {
    const a = [[0.7, -0.4, 0.2, -10], [0.3, 1.06, -0.47, 20], [0, 0.25, 2.4, 3], [0, 0, 0, 1]];
    const p = multiplyAffine(a, invertAffine(a));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(p[i][j]).toBeCloseTo(i === j ? 1 : 0, 12);
    expect(() => invertAffine([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toThrow(RangeError);
  });
});
