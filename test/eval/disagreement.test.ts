/** Slices where two lesion masks disagree most (lib/eval/disagreement.ts). */
import { describe, expect, it } from 'vitest';
import { formatSliceDisagreements, slicesWhereMasksDiffer } from '../../lib/eval/index';
import { Random } from '../../lib/core/random';

/** Counting by coordinates, independently of the library's slice-block loop. */
function bruteForce(dims: number[], a: ArrayLike<number>, b: ArrayLike<number>): { slice: number; onlyA: number; onlyB: number }[] {
  const [nx, ny, nz] = dims;
  const out = [];
  for (let k = 0; k < nz; k++) {
    let onlyA = 0;
    let onlyB = 0;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = i + nx * (j + ny * k);
        if (a[v] > 0 && !(b[v] > 0)) onlyA++;
        if (b[v] > 0 && !(a[v] > 0)) onlyB++;
      }
    }
    out.push({ slice: k, onlyA, onlyB });
  }
  return out;
}

describe('slicesWhereMasksDiffer', () => {
  it('finds the slices with the most differing pixels, most first, and skips agreeing slices', () => {
    // 2×2 slices, 3 slices: slice 0 agrees, slice 1 differs by 1 (a only), slice 2 by 3 (1 a only, 2 b only)
    const a = [1, 0, 0, 0, /**/ 1, 1, 0, 0, /**/ 1, 0, 0, 0];
    const b = [1, 0, 0, 0, /**/ 1, 0, 0, 0, /**/ 0, 1, 1, 0];
    const got = slicesWhereMasksDiffer([{ id: 'c1', dims: [2, 2, 3], a, b }], 5);
    expect(got).toEqual([
      { caseId: 'c1', caseIndex: 0, slice: 2, differing: 3, onlyA: 1, onlyB: 2 },
      { caseId: 'c1', caseIndex: 0, slice: 1, differing: 1, onlyA: 1, onlyB: 0 },
    ]);
  });

  it('agrees with a count by coordinates on random masks over several cases, ties broken by case then slice', () => {
    const rng = new Random(11);
    const pairs = [0, 1, 2].map((c) => {
      const dims = [5, 4, 6];
      const n = 5 * 4 * 6;
      const a = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 1 : 0));
      const b = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 1 : 0));
      return { id: `case${c}`, dims, a, b };
    });
    const expected = pairs
      .flatMap((p, caseIndex) => bruteForce(p.dims, p.a, p.b).map((s) => ({ caseId: p.id, caseIndex, ...s, differing: s.onlyA + s.onlyB })))
      .filter((s) => s.differing > 0)
      .sort((x, y) => y.differing - x.differing || x.caseIndex - y.caseIndex || x.slice - y.slice);
    const got = slicesWhereMasksDiffer(pairs, 7);
    expect(got.length).toBe(7);
    expect(got.map((s) => ({ caseId: s.caseId, caseIndex: s.caseIndex, slice: s.slice, differing: s.differing, onlyA: s.onlyA, onlyB: s.onlyB }))).toEqual(
      expected.slice(0, 7).map((s) => ({ caseId: s.caseId, caseIndex: s.caseIndex, slice: s.slice, differing: s.differing, onlyA: s.onlyA, onlyB: s.onlyB })),
    );
  });

  it('returns nothing for identical masks and rejects bad input with the case named', () => {
    expect(slicesWhereMasksDiffer([{ id: 'same', dims: [2, 1, 1], a: [1, 0], b: [1, 0] }], 3)).toEqual([]);
    expect(() => slicesWhereMasksDiffer([{ id: 'short', dims: [2, 2, 1], a: [1, 0], b: [1, 0, 0, 0] }], 1)).toThrow(/case short: masks have 2 and 4 voxels/);
    expect(() => slicesWhereMasksDiffer([{ id: 'flat', dims: [4], a: [1, 0, 0, 0], b: [1, 0, 0, 0] }], 1)).toThrow(/case flat has dims \[4\]/);
    expect(() => slicesWhereMasksDiffer([], 0)).toThrow(/count must be a positive integer/);
  });

  it('formats a table naming the two masks', () => {
    const text = formatSliceDisagreements([{ caseId: 'Case_P001', caseIndex: 0, slice: 3, differing: 12, onlyA: 2, onlyB: 10 }], { a: 'binary', b: 'BackSplit' });
    expect(text.split('\n')[0]).toMatch(/^case\s+slice k\s+pixels differing\s+binary only\s+BackSplit only$/);
    expect(text.split('\n')[2]).toMatch(/^Case_P001\s+3\s+12\s+2\s+10$/);
  });
});
