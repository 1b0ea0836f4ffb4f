/**
 * `backsplit eval --run <dir> --data <path>` (lib/study/evaluate-external): tiny
 * binary and BackSplit runs evaluated on MSD folders and a manifest written from
 * synthetic cases of another seed, grid and spacing (never seen in training).
 * The printed numbers are checked against an independent path: the same cases
 * held in memory, predicted with lib/run/predict and scored with
 * evaluateSegmentation / perClassDice directly. Plus the errors: no
 * dataset.json, channel mismatch, unknown or undecidable lesion labels, and
 * flags that do not go together.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import type { SegmentationCase } from '../../lib/core/types';
import { manifestFromMsd } from '../../lib/data/msd';
import { saveManifest } from '../../lib/data/manifest';
import { writeMsdDataset } from '../../lib/data/msd-write';
import { writeMiniatureMsdTask } from '../../lib/data/miniature-msd';
import { generateSyntheticDataset } from '../../lib/data/synthetic';
import { evaluateSegmentation } from '../../lib/eval/evaluate';
import { perClassDice } from '../../lib/eval/multiclass';
import type { TrainConfig } from '../../lib/train/config';
import { loadTrainingData } from '../../lib/train/prepare';
import { train } from '../../lib/run/train-run';
import { loadRun, openRun } from '../../lib/run/open';
import { lesionMask, predictCase } from '../../lib/run/predict';
import { evaluateRunOnDataset, resolveExternalData } from '../../lib/study/evaluate-external';
import { evalCommand } from '../../lib/cli/commands/eval';
import { UsageError } from '../../lib/cli/args';
import { tinyTrainConfig } from './tiny-runs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-evalext-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// The data of "another site": another seed, grid and spacing than anything the runs were trained on.
const external = generateSyntheticDataset({ seed: 11, cases: 2, size: [40, 44, 12], spacingMm: [1.25, 1.25, 2.5], idPrefix: 'site2' });
const dirs = { taskA: path.join(root, 'TaskA'), liver: path.join(root, 'TaskB'), full: path.join(root, 'TaskC'), twoChannel: path.join(root, 'TaskD'), empty: path.join(root, 'empty') };
let manifest = '';
let binaryRun = '';
let backsplitRun = '';

const trainConfig = (outputDir: string, mode: 'binary' | 'backsplit', dataset: TrainConfig['dataset']) => tinyTrainConfig(outputDir, mode, dataset);

async function trainRun(config: TrainConfig): Promise<string> {
  const d = loadTrainingData(config);
  (await train({ config, trainCases: d.trainCases, runDir: config.outputDir, datasetInfo: d.info })).model.dispose();
  return config.outputDir;
}

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await evalCommand.run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

/** The independent path: predict an in-memory case with lib/run/predict, collapse both ways, score directly. */
async function reference(runDir: string, cases: SegmentationCase[]) {
  const run = loadRun(runDir);
  try {
    const out: Record<string, { dice: number; nsd: number; hd95: number | null; tp: number; fp: number; fn: number; f1: number; aux?: Record<string, number | null> }> = {};
    for (const c of cases) {
      const p = await predictCase(run.model, run.layout, c, { patchSize: run.config.patchSize, overlap: run.config.inferenceOverlap, rule: 'argmaxIsLesion' });
      const masks: Record<string, Uint8Array> = run.layout.mode === 'binary'
        ? { binary: p.lesionMask.data }
        : { backsplit: p.lesionMask.data, 'backsplit-sumrule': lesionMask(p.probabilities, run.layout, 'lesionBeatsBackgroundSum') };
      for (const [model, mask] of Object.entries(masks)) {
        const e = evaluateSegmentation({ data: mask, dims: c.lesion.dims, spacing: c.lesion.spacing }, c.lesion);
        out[`${c.id}/${model}`] = { dice: e.overlap.dice, nsd: e.surface.nsd, hd95: e.surface.hd95Mm, tp: e.lesions.tp, fp: e.lesions.fp, fn: e.lesions.fn, f1: e.lesions.f1 };
        if (model === 'backsplit') {
          // the reference aux map as an MSD label file holds it: the lesion overrides the anatomy
          const refAux = Uint8Array.from(c.aux!.data, (v, i) => (c.lesion.data[i] ? 0 : v));
          const aux = perClassDice(p.auxMap!.data, refAux, c.auxNames!.map((name, k) => ({ id: k + 1, name })));
          out[`${c.id}/${model}`].aux = Object.fromEntries(aux.classes.map((k) => [k.name, k.present ? k.dice : null]));
        }
      }
    }
    return out;
  } finally {
    run.model.dispose();
  }
}

const meanOf = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  // Training data: a miniature MSD task (liver, tumour = 2) and the embedded synthetic set, both seed 3.
  writeMiniatureMsdTask(dirs.taskA, generateSyntheticDataset({ seed: 3, cases: 2, size: [48, 48, 16] }));
  binaryRun = await trainRun(trainConfig(path.join(root, 'binary'), 'binary', { kind: 'msd', path: dirs.taskA, lesionLabels: [2] }));
  backsplitRun = await trainRun(trainConfig(path.join(root, 'backsplit'), 'backsplit', { kind: 'synthetic', cases: 2, seed: 3 }));
  // External data: labels liver/tumour; all six synthetic classes + lesion 9 with a policy; two channels; no dataset.json.
  writeMiniatureMsdTask(dirs.liver, external);
  // (label values in another order than the run's class ids, so the aux classes must be matched by name)
  writeMsdDataset(dirs.full, external, { auxValues: [3, 1, 2, 6, 5, 4], lesionValue: 9 });
  const json = JSON.parse(fs.readFileSync(path.join(dirs.full, 'dataset.json'), 'utf8'));
  fs.writeFileSync(path.join(dirs.full, 'dataset.json'), JSON.stringify({ ...json, backsplit: { lesionLabels: [9], auxLabels: [1, 2, 3, 4, 5, 6] } }));
  writeMsdDataset(dirs.twoChannel, external.slice(0, 1).map((c) => ({ ...c, channels: [c.channels[0], c.channels[0]], channelNames: ['T1', 'T2'] })));
  fs.mkdirSync(dirs.empty);
  manifest = path.join(root, 'site2.json');
  saveManifest(manifest, manifestFromMsd(dirs.liver, { lesionLabels: [2], manifestDir: root }));
}, 120_000);

describe('evaluateRunOnDataset', () => {
  it('a binary run on an unseen MSD folder: lesion labels by the names of its own MSD training data, numbers as predicted directly', async () => {
    const onCase = vi.fn();
    const e = await evaluateRunOnDataset(binaryRun, dirs.liver, { onCase });
    expect(e.data.lesionLabels).toEqual([2]);
    expect(e.data.lesionLabelsFrom).toMatch(/lesion label name\(s\) 'tumour'/);
    expect(e.caseIds).toEqual(external.map((c) => c.id));
    expect(onCase.mock.calls).toEqual([[0, 2, external[0].id], [1, 2, external[1].id]]);
    expect([e.spacings, e.grids, e.seenCases, e.auxClasses]).toEqual([[[1.25, 1.25, 2.5]], [[40, 44, 12]], [], []]);
    const ref = await reference(binaryRun, external);
    expect(e.results.map((r) => `${r.caseId}/${r.model}`)).toEqual(Object.keys(ref));
    for (const r of e.results) {
      const x = ref[`${r.caseId}/${r.model}`];
      const ev = r.evaluation;
      expect([ev.overlap.dice, ev.surface.nsd, ev.surface.hd95Mm, ev.lesions.tp, ev.lesions.fp, ev.lesions.fn, ev.lesions.f1]).toEqual([x.dice, x.nsd, x.hd95, x.tp, x.fp, x.fn, x.f1]);
    }
    // the same cases through a manifest give the same numbers
    const m = await evaluateRunOnDataset(binaryRun, manifest);
    expect(m.data.config.kind).toBe('manifest');
    expect(m.results.map((r) => r.evaluation.overlap)).toEqual(e.results.map((r) => r.evaluation.overlap));
    // and so does a registry config object (the notebook form)
    const c = await evaluateRunOnDataset(binaryRun, { kind: 'msd', path: dirs.liver, lesionLabels: [2] });
    expect([c.data.path, c.data.lesionLabels]).toEqual([dirs.liver, [2]]);
    expect(c.results.map((r) => r.evaluation.overlap)).toEqual(e.results.map((r) => r.evaluation.overlap));
  });

  it('resolves dataset.json, msd:, manifest: and other registry kinds, and refuses unknown kinds', () => {
    const run = openRun(backsplitRun);
    expect(resolveExternalData(path.join(dirs.liver, 'dataset.json'), run, [2]).config).toEqual({ kind: 'msd', path: dirs.liver, lesionLabels: [2] });
    expect(resolveExternalData(`msd:${dirs.full}`, run).config).toEqual({ kind: 'msd', path: dirs.full, lesionLabels: [9], auxLabels: [1, 2, 3, 4, 5, 6] });
    expect(resolveExternalData(`manifest:${manifest}`, run)).toMatchObject({ config: { kind: 'manifest', path: manifest }, channelNames: ['synthetic'], lesionLabels: [2] });
    expect(() => resolveExternalData(`folder:${dirs.empty}`, run)).toThrow(/'data\.channels' must be/);
    // a run trained on the same kind lends the data its options of that kind (EMIDEC: policy and centre crop)
    const emidecRun = { ...run, config: { ...run.config, dataset: { kind: 'emidec' as const, path: '/elsewhere', mvo: 'separate' as const, crop: [64, 64] as [number, number] } } };
    const inherited = resolveExternalData(`emidec:${dirs.empty}`, emidecRun);
    expect(inherited.config).toEqual({ kind: 'emidec', path: dirs.empty, mvo: 'separate', crop: [64, 64] });
    expect(inherited.lesionLabelsFrom).toBe(`the 'emidec' dataset kind (with the run's mvo "separate", crop [64,64])`);
    expect(resolveExternalData(`emidec:${dirs.empty}`, run).config).toEqual({ kind: 'emidec', path: dirs.empty });
    expect(() => resolveExternalData('nosuchkind:/x', run)).toThrow(/'nosuchkind' is not a dataset kind \(kinds: synthetic, colin, manifest, msd, folder/);
    expect(() => resolveExternalData(path.join(root, 'missing'), run)).toThrow(`${path.join(root, 'missing')}: no such file or folder`);
  });

  it('refuses a folder without dataset.json, a bad policy and a channel mismatch before predicting', async () => {
    const onCase = vi.fn();
    await expect(evaluateRunOnDataset(binaryRun, dirs.empty, { onCase })).rejects.toThrow(`${path.join(dirs.empty, 'dataset.json')}: not found`);
    await expect(evaluateRunOnDataset(backsplitRun, dirs.twoChannel, { lesionLabels: [7], onCase })).rejects.toThrow(
      `run ${backsplitRun} was trained on 1 channel(s) (embedded synthetic (2 cases, seed 3)) but ${path.join(dirs.twoChannel, 'dataset.json')} has 2 (T1, T2)`,
    );
    const twoManifest = path.join(root, 'two.json');
    saveManifest(twoManifest, manifestFromMsd(dirs.twoChannel, { lesionLabels: [7] }));
    await expect(evaluateRunOnDataset(binaryRun, twoManifest, { onCase })).rejects.toThrow(`but ${twoManifest} has 2 (T1, T2)`);
    const bad = path.join(root, 'badpolicy');
    fs.mkdirSync(bad);
    const json = JSON.parse(fs.readFileSync(path.join(dirs.full, 'dataset.json'), 'utf8'));
    fs.writeFileSync(path.join(bad, 'dataset.json'), JSON.stringify({ ...json, backsplit: { lesionLabels: 'MI' } }));
    await expect(evaluateRunOnDataset(backsplitRun, bad, { onCase })).rejects.toThrow(`${path.join(bad, 'dataset.json')}: "backsplit.lesionLabels" must be a non-empty list`);
    expect(onCase).not.toHaveBeenCalled();
  });
});

describe('backsplit eval --run --data', () => {
  it('--json: one object, both collapse rules, aux Dice of the shared classes, numbers as predicted directly', async () => {
    const { code, out } = await cli(['--run', backsplitRun, '--data', dirs.full, '--json']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['run', 'data', 'lesion_labels', 'cases', 'summary']);
    expect([j.run, j.data, j.lesion_labels]).toEqual([backsplitRun, dirs.full, [9]]);
    expect(j.cases.map((c: { case: string; model: string }) => `${c.case}/${c.model}`)).toEqual(external.flatMap((c) => [`${c.id}/backsplit`, `${c.id}/backsplit-sumrule`]));
    const ref = await reference(backsplitRun, external);
    for (const row of j.cases) {
      const x = ref[`${row.case}/${row.model}`];
      expect(Object.keys(row)).toEqual(['case', 'model', 'dice', 'nsd', 'hd95_mm', 'lesions', ...(row.model === 'backsplit' ? ['aux_dice'] : [])]);
      expect(row).toMatchObject({ dice: x.dice, nsd: x.nsd, hd95_mm: x.hd95, lesions: { tp: x.tp, fp: x.fp, fn: x.fn, f1: x.f1 } });
      if (row.model === 'backsplit') expect(row.aux_dice).toEqual(x.aux);
    }
    expect(Object.keys(j.summary)).toEqual(['backsplit', 'backsplit-sumrule']);
    for (const model of ['backsplit', 'backsplit-sumrule']) {
      const xs = external.map((c) => ref[`${c.id}/${model}`]);
      const s = j.summary[model];
      expect(s.cases).toBe(2);
      expect(s.dice).toBeCloseTo(meanOf(xs.map((x) => x.dice))!, 12);
      expect(s.nsd).toBeCloseTo(meanOf(xs.map((x) => x.nsd))!, 12);
      expect(s.hd95_cases).toBe(xs.filter((x) => x.hd95 !== null).length);
      expect(s.hd95_mm ?? null).toEqual(meanOf(xs.map((x) => x.hd95)) === null ? null : expect.closeTo(meanOf(xs.map((x) => x.hd95))!, 12));
      expect(s.lesion_f1).toBeCloseTo(meanOf(xs.map((x) => x.f1))!, 12);
      expect(s.fp_lesions_per_case).toBeCloseTo(meanOf(xs.map((x) => x.fp))!, 12);
    }
    expect(Object.keys(j.summary.backsplit.aux_dice)).toEqual(['body_wall', 'organ', 'kidney', 'vessel', 'cyst', 'bone']);
    expect(j.summary['backsplit-sumrule'].aux_dice).toBeUndefined();
  });

  it('text: header with the data spacing, progress per case, per-case rows and a summary per arm', async () => {
    const { code, out } = await cli(['--run', backsplitRun, '--data', dirs.liver, '--lesion-labels', '2']);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines).toContain(`run   ${backsplitRun} (backsplit, step 3)`);
    expect(lines).toContain(`data  ${dirs.liver} (msd, 2 case(s))`);
    expect(lines).toContain('      lesion label(s) 2 (as given)');
    expect(lines).toContain('      spacing 1.25×1.25×2.5 mm, grid 40×44×12 (predicted on the data\'s own grid)');
    expect(lines).toContain('      no auxiliary class of the run is labelled in the data: lesion metrics only');
    expect(lines).toContain(`evaluating ${external[1].id} (2/2)`);
    expect(lines.find((l) => l.startsWith('case '))).toMatch(/^case\s+model\s+Dice\s+NSD\s+HD95 mm\s+TP\s+FP\s+FN\s+lesion F1$/);
    expect(lines.filter((l) => new RegExp(`^${external[0].id}\\s+backsplit(-sumrule)?\\s+\\d\\.\\d{4}\\s`).test(l))).toHaveLength(2);
    expect(lines.find((l) => l.startsWith('model '))).toMatch(/^model\s+cases\s+mean Dice\s+NSD\s+HD95 mm \(cases\)\s+lesion F1\s+FP lesions\/case$/);
    expect(lines.filter((l) => /^backsplit(-sumrule)?\s+2\s+\d\.\d{4}\s+\d\.\d{4}\s+(\d+\.\d{2}|n\/a) \([012]\/2\)\s/.test(l))).toHaveLength(2);
  });

  it('usage errors: undecidable or inapplicable lesion labels, --data with --split or without --run', async () => {
    const usage = (argv: string[]) => evalCommand.run(argv).then(() => 'no error', (e: Error) => (e instanceof UsageError ? `usage: ${e.message}` : `error: ${e.message}`));
    expect(await usage(['--run', backsplitRun, '--data', dirs.liver])).toBe(
      `usage: ${path.join(dirs.liver, 'dataset.json')}: which label value(s) are the lesion? Its labels are 0 background, 1 liver, 2 tumour; ` +
        `it has no "backsplit.lesionLabels" and run ${backsplitRun} was trained on embedded synthetic (2 cases, seed 3), not on an MSD folder. ` +
        'Give them with --lesion-labels (e.g. --lesion-labels 2 or 3,4)',
    );
    expect(await usage(['--run', backsplitRun, '--data', dirs.liver, '--lesion-labels', '9'])).toBe(
      `error: ${path.join(dirs.liver, 'dataset.json')}: lesion label 9 is not a nonzero label of this folder (labels: 0 background, 1 liver, 2 tumour)`,
    );
    expect(await usage(['--run', backsplitRun, '--data', dirs.liver, '--lesion-labels', 'tumour'])).toMatch(/^usage: --lesion-labels needs comma-separated positive label values/);
    expect(await usage(['--run', binaryRun, '--data', manifest, '--lesion-labels', '2'])).toMatch(/^usage: .*site2\.json: a dataset manifest states its lesion values itself/);
    expect(await usage(['--run', binaryRun, '--data', dirs.liver, '--split', 'test'])).toMatch(/^usage: use either --data .* or --split/);
    expect(await usage(['--data', dirs.liver])).toBe('usage: --data needs --run (the trained run folder to evaluate)');
    expect(await usage(['--run', binaryRun, '--split', 'test', '--lesion-labels', '2'])).toBe('usage: --lesion-labels applies to --data');
    expect(await usage(['--run', binaryRun, '--data', dirs.liver, '--pred', 'x.nii'])).toBe('usage: use either --run or --pred/--ref');
  });
});
