import { describe, expect, it } from 'vitest';
import { generateSyntheticCase, generateSyntheticDataset, hashCases, SYNTH, SYNTHETIC_AUX_NAMES, SYNTHETIC_DEFAULTS } from '../../lib/data/synthetic';
import { labelComponents } from '../../lib/core/morphology';

describe('synthetic dataset', () => {
  const cases = generateSyntheticDataset({ seed: 0, cases: 2 });

  it('same seed → identical bytes; pinned hash of the default generator', () => {
    const again = generateSyntheticDataset({ seed: 0, cases: 2 });
    expect(hashCases(again)).toBe(hashCases(cases));
    // Pinned: if this changes, the embedded dataset changed — update docs/dataset.md and say why.
    expect(hashCases(cases)).toBe('051dbc7f269a72e2c1310c04b7555033afaf35d62456e9a3827e3c25cbf0f40b');
    expect(hashCases(generateSyntheticDataset({ seed: 1, cases: 2 }))).not.toBe(hashCases(cases));
  });

  it('has the documented shape, classes and types', () => {
    const c = cases[0];
    expect(c.id).toBe('synth_000');
    expect(c.channels[0].dims).toEqual(SYNTHETIC_DEFAULTS.size);
    expect(c.channels[0].spacing).toEqual([1.5, 1.5, 1.5]);
    expect(c.channels[0].data).toBeInstanceOf(Float32Array);
    expect(c.lesion.data).toBeInstanceOf(Uint8Array);
    expect(c.auxNames).toEqual([...SYNTHETIC_AUX_NAMES]);
    const present = new Set(c.aux!.data);
    for (let id = 0; id <= 6; id++) expect(present.has(id), `aux id ${id}`).toBe(true);
    expect(c.lesion.data.reduce((m, v) => Math.max(m, v), 0)).toBe(1);
  });

  it('lesions lie inside the body, mostly small', () => {
    let outside = 0;
    const vols: number[] = [];
    for (const c of cases) {
      for (let p = 0; p < c.lesion.data.length; p++) if (c.lesion.data[p] && c.aux!.data[p] === SYNTH.outside) outside++;
      const cc = labelComponents(c.lesion.data, c.lesion.dims, 26);
      for (let i = 1; i <= cc.count; i++) vols.push(cc.sizes[i] * 0.003375);
    }
    expect(outside).toBe(0);
    expect(vols.length).toBeGreaterThanOrEqual(4);
    expect(vols.filter((v) => v < 1).length / vols.length).toBeGreaterThan(0.5);
  });

  it('mimics fall inside the lesion intensity range (knowing the background matters)', () => {
    const lesion: number[] = [];
    const mimic: number[] = [];
    const organ: number[] = [];
    for (const c of cases) {
      for (let p = 0; p < c.lesion.data.length; p++) {
        const v = c.channels[0].data[p];
        const a = c.aux!.data[p];
        if (c.lesion.data[p]) lesion.push(v);
        else if (a === SYNTH.cyst || a === SYNTH.vessel) mimic.push(v);
        else if (a === SYNTH.organ) organ.push(v);
      }
    }
    const q = (a: number[], f: number) => [...a].sort((x, y) => x - y)[Math.floor(f * (a.length - 1))];
    const mimicMedian = q(mimic, 0.5);
    expect(mimicMedian).toBeGreaterThan(q(lesion, 0.25));
    expect(mimicMedian).toBeLessThan(q(lesion, 0.95));
    expect(q(lesion, 0.75)).toBeGreaterThan(q(organ, 0.75));
  });

  it('options are validated and a single case is reproducible by seed', () => {
    expect(() => generateSyntheticDataset({ cases: 0 })).toThrow(/positive integer/);
    expect(() => generateSyntheticCase(1, 'x', { size: [4, 64, 32] })).toThrow(/size/);
    const a = generateSyntheticCase(99, 'a', { size: [32, 32, 16] });
    const b = generateSyntheticCase(99, 'a', { size: [32, 32, 16] });
    expect(hashCases([a])).toBe(hashCases([b]));
    expect(a.lesion.dims).toEqual([32, 32, 16]);
  });
});
