/**
 * Patch sampling: lesion oversampling contains a lesion voxel every time, the
 * auxiliary classes never attract oversampled patches (identical patch origins
 * in binary and BackSplit mode), forced counts and seeding.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/core/random';
import { classLayout, prepareCase, samplePatchOrigins, sampleBatch, forcedCount, extractBatch, patch3 } from '../../lib/train';
import { tinyCase, tinyCases } from './helpers/fixtures';

const cases = tinyCases(4);
const binary = classLayout('binary', cases);
const backsplit = classLayout('backsplit', cases);

describe('class layout and preparation', () => {
  it('binary has 2 classes, BackSplit 1 + aux groups + lesion with the lesion last', () => {
    expect(binary).toMatchObject({ numClasses: 2, lesionClass: 1, classNames: ['background', 'lesion'] });
    expect(backsplit).toMatchObject({ numClasses: 4, lesionClass: 3, classNames: ['background', 'organ', 'vessel', 'lesion'] });
    const p = prepareCase(cases[0], backsplit);
    const pb = prepareCase(cases[0], binary);
    for (let i = 0; i < p.target.length; i++) {
      if (cases[0].lesion.data[i]) {
        expect(p.target[i]).toBe(3);
        expect(pb.target[i]).toBe(1);
      } else {
        expect(p.target[i]).toBe(cases[0].aux!.data[i]);
        expect(pb.target[i]).toBe(0);
      }
    }
    expect(p.lesionVoxels.length).toBe(4);
  });

  it('BackSplit without aux maps is an error naming the case', () => {
    const c = tinyCase(1);
    delete c.aux;
    expect(() => classLayout('backsplit', [c])).toThrow(/case 'tiny1' has no auxiliary label map/);
  });
});

describe('sampler', () => {
  const patch = patch3([8, 8]);

  it('every forced patch contains a lesion voxel, for both modes', () => {
    for (const layout of [binary, backsplit]) {
      const prepared = cases.map((c) => prepareCase(c, layout));
      let forced = 0;
      for (let s = 0; s < 50; s++) {
        const batch = sampleBatch(prepared, patch, 4, 0.5, new Random(s));
        batch.origins.forEach((o, b) => {
          if (!o.forced) return;
          forced++;
          const labels = batch.labels.subarray(b * 64, (b + 1) * 64);
          expect(Array.from(labels).includes(layout.lesionClass)).toBe(true);
        });
      }
      expect(forced).toBe(100);
    }
  });

  it('auxiliary classes do not steal oversampled patches: origins are identical in binary and BackSplit mode', () => {
    const pb = cases.map((c) => prepareCase(c, binary));
    const ps = cases.map((c) => prepareCase(c, backsplit));
    for (let s = 0; s < 20; s++) {
      const a = samplePatchOrigins(pb, patch, 4, 1, new Random(s));
      const b = samplePatchOrigins(ps, patch, 4, 1, new Random(s));
      expect(b).toEqual(a);
    }
    // and the BackSplit forced patches really are centred on lesions, not on the large aux region
    const prepared = ps;
    const o = samplePatchOrigins(prepared, patch, 64, 1, new Random(3));
    const batch = extractBatch(prepared, o, patch);
    let lesionVox = 0;
    for (const v of batch.labels) if (v === backsplit.lesionClass) lesionVox++;
    expect(lesionVox).toBe(64 * 4); // each 2×2 lesion is entirely inside every patch (patch 8 around it)
  });

  it('without oversampling few patches of the tiny-lesion cases contain a lesion', () => {
    const prepared = cases.map((c) => prepareCase(c, binary));
    const batch = sampleBatch(prepared, patch, 200, 0, new Random(9));
    let withLesion = 0;
    for (let b = 0; b < 200; b++) if (batch.labels.subarray(b * 64, (b + 1) * 64).includes(1)) withLesion++;
    expect(batch.origins.every((o) => !o.forced)).toBe(true);
    expect(withLesion).toBeLessThan(120);
  });

  it('forced count is ⌊B·f⌋ plus a Bernoulli remainder', () => {
    expect(forcedCount(4, 0.5, new Random(1))).toBe(2);
    let total = 0;
    const rng = new Random(2);
    for (let i = 0; i < 2000; i++) total += forcedCount(1, 0.33, rng);
    expect(total / 2000).toBeGreaterThan(0.29);
    expect(total / 2000).toBeLessThan(0.37);
  });

  it('is a pure function of the random stream; 3D patches and padding work', () => {
    const prepared = cases.map((c) => prepareCase(c, binary));
    const a = sampleBatch(prepared, patch3([8, 8, 8]), 3, 0.33, new Random(4));
    const b = sampleBatch(prepared, patch3([8, 8, 8]), 3, 0.33, new Random(4));
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(a.images.length).toBe(3 * 512);
    // depth 8 > nz 4: the patch corner may be negative and the outside is zero-filled
    expect(a.origins.every((o) => o.origin[0] >= -4 && o.origin[0] <= 0)).toBe(true);
  });
});
