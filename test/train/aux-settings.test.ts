/**
 * The protocol's label axes as training settings: K merged background classes (the rule fixed at
 * the freeze, docs/protocol.md) and label noise on the training cases' auxiliary maps.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend';
import { COND, generateConditionDataset } from '../../lib/data/synthetic-conditions';
import { train } from '../../lib/run';
import { runStudy } from '../../lib/study/pipeline';
import { applyAuxLabelSettings } from '../../lib/train/aux-settings';
import { classLayout, prepareCase, resolveTrainConfig } from '../../lib/train';
import { tinyProtocolStudy } from '../study/tiny-runs';

const cases = generateConditionDataset({ condition: 'mechanism-positive', seed: 0, cases: 3 });

/** Every (old label, new label) pair that occurs, as "old→new". */
function pairs(before: Uint8Array, after: Uint8Array): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < before.length; i++) seen.add(`${before[i]}→${after[i]}`);
  return [...seen].sort();
}

describe('backgroundClasses: the fixed K merges', () => {
  it('merges by the rule: K = 3 keeps host A and B, K = 2 host A against the rest, K = 1 the body', () => {
    const c = cases[0];
    const [k3] = applyAuxLabelSettings([c], { backgroundClasses: 3 }, { noisy: false });
    expect(k3.auxNames).toEqual(['host_a', 'host_b', 'wall_vessel_bone']);
    expect(pairs(c.aux!.data, k3.aux!.data)).toEqual([
      `${COND.outside}→0`, `${COND.body_wall}→3`, `${COND.host_a}→1`, `${COND.host_b}→2`, `${COND.vessel}→3`, `${COND.bone}→3`,
    ].sort());
    const [k2] = applyAuxLabelSettings([c], { backgroundClasses: 2 }, { noisy: false });
    expect(k2.auxNames).toEqual(['host_a', 'not_host_a']);
    expect(pairs(c.aux!.data, k2.aux!.data)).toEqual(['0→0', '1→2', '2→1', '3→2', '4→2', '5→2']);
    const [k1] = applyAuxLabelSettings([c], { backgroundClasses: 1 }, { noisy: false });
    expect(pairs(c.aux!.data, k1.aux!.data)).toEqual(['0→0', '1→1', '2→1', '3→1', '4→1', '5→1']);
    // images, lesion and the input case are untouched
    expect(k2.lesion).toBe(c.lesion);
    expect(k2.channels).toBe(c.channels);
    expect(c.auxNames).toEqual(['body_wall', 'host_a', 'host_b', 'vessel', 'bone']);
  });

  it('is the identity at K = 5 and on cases already merged; refuses other K and other datasets by name', () => {
    const [k5] = applyAuxLabelSettings([cases[0]], { backgroundClasses: 5 }, { noisy: false });
    expect(k5).toBe(cases[0]);
    const [k2] = applyAuxLabelSettings([cases[0]], { backgroundClasses: 2 }, { noisy: false });
    expect(applyAuxLabelSettings([k2], { backgroundClasses: 2 }, { noisy: false })[0]).toBe(k2);
    expect(() => applyAuxLabelSettings([cases[0]], { backgroundClasses: 4 }, { noisy: false })).toThrow(/no merge rule for K = 4/);
    const other = { ...cases[0], id: 'brain_7', auxNames: ['wm', 'gm', 'csf', 'vessel', 'bone'] };
    expect(() => applyAuxLabelSettings([other], { backgroundClasses: 2 }, { noisy: false })).toThrow(/case 'brain_7' has auxiliary classes \[wm,gm,csf,vessel,bone\]/);
  });

  it('gives a K + 2 class layout whose targets use exactly the merged ids', () => {
    const merged = applyAuxLabelSettings(cases, { backgroundClasses: 2 }, { noisy: false });
    const layout = classLayout('backsplit', merged);
    expect(layout).toMatchObject({ numClasses: 4, lesionClass: 3, classNames: ['background', 'host_a', 'not_host_a', 'lesion'] });
    const target = prepareCase(merged[0], layout).target;
    expect([...new Set(target)].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('auxLabelNoise: degraded auxiliary maps of the training cases', () => {
  it('changes only noisy (training) cases, deterministically per run seed and case, and never the lesion', () => {
    const clean = applyAuxLabelSettings(cases, { auxLabelNoise: 0.5, seed: 1 }, { noisy: false });
    clean.forEach((c, i) => expect(c).toBe(cases[i]));
    const a = applyAuxLabelSettings(cases, { auxLabelNoise: 0.5, seed: 1 }, { noisy: true });
    const b = applyAuxLabelSettings(cases, { auxLabelNoise: 0.5, seed: 1 }, { noisy: true });
    const c = applyAuxLabelSettings(cases, { auxLabelNoise: 0.5, seed: 2 }, { noisy: true });
    const changed = (x: Uint8Array, y: Uint8Array) => x.reduce((n, v, i) => n + (v !== y[i] ? 1 : 0), 0);
    for (let i = 0; i < cases.length; i++) {
      expect(changed(a[i].aux!.data, cases[i].aux!.data)).toBeGreaterThan(0);
      expect(Buffer.from(a[i].aux!.data).equals(Buffer.from(b[i].aux!.data))).toBe(true);
      expect(Buffer.from(a[i].aux!.data).equals(Buffer.from(c[i].aux!.data))).toBe(false);
      expect(a[i].lesion).toBe(cases[i].lesion);
    }
    // the same map under another case id gets other noise (drawn from the run seed and the case id)
    const renamed = applyAuxLabelSettings([{ ...cases[0], id: 'other_id' }], { auxLabelNoise: 0.5, seed: 1 }, { noisy: true });
    expect(Buffer.from(renamed[0].aux!.data).equals(Buffer.from(a[0].aux!.data))).toBe(false);
    const zero = applyAuxLabelSettings(cases, { auxLabelNoise: 0, seed: 1 }, { noisy: true });
    zero.forEach((x, i) => expect(x).toBe(cases[i]));
    expect(() => applyAuxLabelSettings(cases, { auxLabelNoise: 1.5 }, { noisy: true })).toThrow(/\[0, 1\], got 1.5/);
  });
});

describe('training configs with the label axes', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('accepts the fields, refuses levels without a rule, and leaves a config without them as it was', () => {
    const base = resolveTrainConfig({ outputDir: 'x' });
    expect('backgroundClasses' in base || 'auxLabelNoise' in base).toBe(false);
    expect(resolveTrainConfig({ outputDir: 'x', backgroundClasses: 3, auxLabelNoise: 0.25 })).toMatchObject({ backgroundClasses: 3, auxLabelNoise: 0.25 });
    expect(() => resolveTrainConfig({ outputDir: 'x', backgroundClasses: 6 }, 'grid.json')).toThrow(/grid\.json: 'backgroundClasses' must be one of 1, 2, 3, 5/);
    expect(() => resolveTrainConfig({ outputDir: 'x', auxLabelNoise: -0.1 })).toThrow(/'auxLabelNoise' must be a number in \[0, 1\]/);
  });

  it('trains a BackSplit head of K + 2 classes on merged labels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-aux-axes-'));
    try {
      const config = resolveTrainConfig({
        mode: 'backsplit',
        model: { family: 'unet', channels: [4, 8], norm: 'instance' },
        patchSize: [16, 16],
        batchSize: 2,
        steps: 2,
        validation: { cases: 0, every: 0, overlap: 0 },
        outputDir: dir,
        backgroundClasses: 3,
        auxLabelNoise: 0.25,
      });
      const r = await train({ config, trainCases: cases.slice(0, 2), valCases: cases.slice(2) });
      expect(r.layout).toMatchObject({ numClasses: 5, classNames: ['background', 'host_a', 'host_b', 'wall_vessel_bone', 'lesion'] });
      r.model.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a study on the K axis', () => {
  it('trains, evaluates and references the auxiliary classes merged to K', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-aux-study-'));
    try {
      const base = tinyProtocolStudy(dir, { arms: ['binary', 'backsplit'] });
      const cfg = { ...base, seeds: [0], train: { ...base.train, backgroundClasses: 2 } };
      const lines: string[] = [];
      const results = await runStudy(cfg, (l) => lines.push(l), { workers: 1 });
      expect(lines.join('\n')).toContain('auxiliary classes merged to K = 2');
      expect(results.layouts.backsplit.classNames).toEqual(['background', 'host_a', 'not_host_a', 'lesion']);
      const aux = results.cases.filter((r) => r.model === 'backsplit').map((r) => r.auxiliary!.classes.map((c) => c.name));
      expect(aux.length).toBe(3);
      for (const names of aux) expect(names).toEqual(['host_a', 'not_host_a']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
