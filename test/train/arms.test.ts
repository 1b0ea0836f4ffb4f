/**
 * The arm registry against protocol.json, the config's `mode` and `loss.kind` per arm
 * (binary and backsplit configs resolve exactly as before the control arms), and each arm's
 * class layout and training targets on the tiny cases: the same lesion voxels everywhere,
 * binary-wide's classes 1..K never a target, the placebos covering the background.
 */
import * as fs from 'fs';
import { describe, expect, it } from 'vitest';
import { ARM_NAMES, ARMS, armDefinition } from '../../lib/train/arms';
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from '../../lib/train/config';
import { classLayout, prepareCase } from '../../lib/train/prepare';
import { sampleBatch } from '../../lib/train/sampler';
import { Random } from '../../lib/core/random';
import { tinyCase, tinyCases } from './helpers/fixtures';

describe('the arm registry', () => {
  it('lists the arms of protocol.json with the same labels, head and loss', () => {
    const protocol = JSON.parse(fs.readFileSync('protocol.json', 'utf8')) as { arms: { id: string; labels: string; head: string; loss: string }[] };
    expect(protocol.arms.map((a) => a.id)).toEqual(ARM_NAMES);
    for (const a of protocol.arms) expect(armDefinition(a.id)).toMatchObject({ labels: a.labels, head: a.head, loss: a.loss });
  });

  it('names the field and the arms for an unknown arm', () => {
    expect(() => armDefinition('binary-wid')).toThrow(/'mode' must be one of 'binary', 'backsplit', .*'binary-wide'.*, got "binary-wid"/);
    expect(() => armDefinition('toString', 'arms[2]')).toThrow(/^'arms\[2\]' must be one of/);
    expect(() => resolveTrainConfig({ mode: 'placebo' }, 'cfg.json')).toThrow(/cfg\.json: 'mode' must be one of .*, got "placebo"/);
  });
});

describe('config: mode sets loss.kind', () => {
  it('binary and backsplit resolve exactly as before the control arms existed', () => {
    expect(JSON.stringify(resolveTrainConfig({ mode: 'binary' }))).toBe(JSON.stringify(DEFAULT_TRAIN_CONFIG));
    expect(JSON.stringify(resolveTrainConfig({ mode: 'backsplit', loss: { kind: 'dice-ce', batchDice: false } })))
      .toBe(JSON.stringify({ ...DEFAULT_TRAIN_CONFIG, mode: 'backsplit', loss: { kind: 'dice-ce', batchDice: false } }));
  });

  it("gives every arm its loss kind, keeps the rest of the loss section, and refuses another kind naming 'loss.kind'", () => {
    for (const name of ARM_NAMES) {
      const c = resolveTrainConfig({ mode: name, loss: { batchDice: false } });
      expect([c.mode, c.loss]).toEqual([name, { kind: ARMS[name].loss, batchDice: false }]);
      expect(resolveTrainConfig({ mode: name, loss: { kind: ARMS[name].loss } }).loss.kind).toBe(ARMS[name].loss);
    }
    expect(() => resolveTrainConfig({ mode: 'binary', loss: { kind: 'ce' } }, 'x.json'))
      .toThrow(/x\.json: 'loss\.kind' is 'ce' but mode 'binary' trains with 'dice-ce'; leave loss\.kind out, or choose the arm/);
    expect(() => resolveTrainConfig({ mode: 'backsplit-ce', loss: { kind: 'dice-ce' } })).toThrow(/mode 'backsplit-ce' trains with 'ce'/);
    expect(() => resolveTrainConfig({ mode: 'binary', loss: { kind: 'dice' } })).toThrow(/loss: kind must be 'dice-ce', 'lesion-dice-ce', 'ce', got 'dice'/);
  });
});

describe('classLayout and prepareCase per arm', () => {
  const cases = tinyCases(3);

  it('builds a 2-class head for binary labels and a K+2 head (K = the dataset aux classes) otherwise', () => {
    const names = (m: (typeof ARM_NAMES)[number]) => classLayout(m, cases, { seed: 4 }).classNames;
    expect(names('binary')).toEqual(['background', 'lesion']);
    expect(names('binary-ce')).toEqual(['background', 'lesion']);
    expect(names('backsplit')).toEqual(['background', 'organ', 'vessel', 'lesion']);
    expect(names('backsplit-anchored')).toEqual(['background', 'organ', 'vessel', 'lesion']);
    expect(names('binary-wide')).toEqual(['background', 'unused1', 'unused2', 'lesion']);
    expect(names('backsplit-placebo-voronoi')).toEqual(['background', 'voronoi1', 'voronoi2', 'lesion']);
    expect(names('backsplit-placebo-quantile')).toEqual(['background', 'quantile1', 'quantile2', 'lesion']);
    expect(classLayout('backsplit-placebo-voronoi', cases, { seed: 4 })).toMatchObject({ mode: 'backsplit-placebo-voronoi', numClasses: 4, lesionClass: 3, labelSeed: 4 });
    // only the Voronoi layout carries a seed (binary and backsplit layouts are as they always were)
    expect(classLayout('backsplit', cases, { seed: 4 })).toEqual({ mode: 'backsplit', numClasses: 4, lesionClass: 3, classNames: ['background', 'organ', 'vessel', 'lesion'] });
    expect(() => classLayout('backsplit-placebo-voronoi', cases)).toThrow(/arm 'backsplit-placebo-voronoi' draws its Voronoi cells from the run's seed/);
    const noAux = { ...tinyCase(5), aux: undefined };
    expect(() => classLayout('binary-wide', [noAux])).toThrow(/case 'tiny5' has no auxiliary label map, which arm 'binary-wide' needs \(K is the dataset's number of auxiliary classes\)/);
    expect(() => classLayout('backsplit', [noAux])).toThrow(/which BackSplit mode needs/);
  });

  it('marks the same lesion voxels in every arm; binary-wide never targets 1..K; placebos cover the background', () => {
    const c = cases[1];
    const binary = prepareCase(c, classLayout('binary', cases));
    for (const name of ARM_NAMES) {
      const layout = classLayout(name, cases, { seed: 0 });
      const p = prepareCase(c, layout);
      expect(Array.from(p.lesion)).toEqual(Array.from(binary.lesion));
      expect(Array.from(p.lesionVoxels)).toEqual(Array.from(binary.lesionVoxels));
      const counts = new Array<number>(layout.numClasses).fill(0);
      for (const v of p.target) counts[v]++;
      expect(counts[layout.lesionClass]).toBe(binary.lesionVoxels.length);
      const arm = ARMS[name];
      if (arm.labels === 'binary') expect(counts.slice(1, layout.lesionClass).every((n) => n === 0)).toBe(true);
      if (arm.labels === 'placebo-voronoi' || arm.labels === 'placebo-quantile') {
        expect(counts[0]).toBe(0);
        expect(counts.slice(1, layout.lesionClass).every((n) => n > 0)).toBe(true);
      }
    }
    const anchored = prepareCase(c, classLayout('backsplit-anchored', cases));
    expect(Array.from(anchored.target)).toEqual(Array.from(prepareCase(c, classLayout('backsplit', cases)).target));
    const voronoi = (seed: number) => Array.from(prepareCase(c, classLayout('backsplit-placebo-voronoi', cases, { seed })).target);
    expect(voronoi(0)).toEqual(voronoi(0));
    expect(voronoi(0)).not.toEqual(voronoi(1));
  });
});

describe('binary-wide batches', () => {
  it('hold only background (0) and lesion (K+1) targets, the lesion as in binary batches', () => {
    const cases = tinyCases(3);
    const wide = classLayout('binary-wide', cases);
    const prepWide = cases.map((c) => prepareCase(c, wide));
    const prepBinary = cases.map((c) => prepareCase(c, classLayout('binary', cases)));
    let lesionVoxels = 0;
    for (let step = 0; step < 5; step++) {
      const w = sampleBatch(prepWide, [1, 8, 8], 4, 0.5, new Random(step));
      const b = sampleBatch(prepBinary, [1, 8, 8], 4, 0.5, new Random(step));
      lesionVoxels += w.labels.filter((v) => v === wide.lesionClass).length;
      expect([...new Set(w.labels)].every((v) => v === 0 || v === wide.lesionClass)).toBe(true);
      expect(Array.from(w.labels, (v) => (v ? 1 : 0))).toEqual(Array.from(b.labels));
      expect(w.images).toEqual(b.images);
    }
    expect(lesionVoxels).toBeGreaterThan(0);
  });
});
