import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/select';
import { resolveTrainConfig } from '../../lib/train/config';
import { describeRun, loadRunModel, openRun, RunFolder } from '../../lib/run/open';
import { runPatches } from '../../lib/study/fisher-runs';
import type { FisherReport } from '../../lib/fisher/report';
import {
  describePatches, describeYvsZ, findOrTrainArms, fisherArmsConfig, fisherArmsRows, fisherThroughTrainingArms, gradientNoiseRows, modelFisherArms,
  throughTrainingRows,
} from '../../lib/study/fisher-arms';

// Two tiny runs trained through findOrTrainArms (4 steps, checkpoints every 2), shared below.
let tmp: string;
let runs: { binary: RunFolder; backsplit: RunFolder };
const lines: string[] = [];
const TRAIN = {
  model: { family: 'unet', channels: [2, 4], norm: 'instance', groups: 1, deepSupervision: false, leakySlope: 0.01 },
  patchSize: [16, 16], batchSize: 2, steps: 4, checkpointEvery: 2, keepCheckpoints: 10, logEvery: 2,
  dataset: { kind: 'synthetic', cases: 2, seed: 3 }, validation: { cases: 0, every: 0, overlap: 0.5 }, seed: 5,
};

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fisher-arms-'));
  const dirs = await findOrTrainArms({ runsDir: path.join(tmp, 'nothing-here'), source: 'RUNS=x', config: TRAIN, outDir: () => path.join(tmp, 'arms'), log: (l) => lines.push(l) });
  runs = { binary: openRun(dirs.binary), backsplit: openRun(dirs.backsplit) };
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('fisherArmsConfig / findOrTrainArms / describeRun', () => {
  it('gives valid training configs for both modes', () => {
    expect(resolveTrainConfig({ ...fisherArmsConfig(true), mode: 'binary' }, 'small').steps).toBe(40);
    expect(resolveTrainConfig({ ...fisherArmsConfig(false), mode: 'binary' }, 'full').patchSize).toEqual([64, 64]);
  });
  it('trains when the folder holds no pair, says where each run went, and finds the pair next time', async () => {
    // training progress is one live line (notebookWorkProgress; outside a kernel on stderr), not log lines
    expect(lines[0]).toBe('RUNS=x holds no binary + BackSplit pair of runs; training here instead');
    const arms = path.join(tmp, 'arms');
    expect(lines.slice(1)).toEqual([`binary: trained into ${arms}/binary`, `backsplit: trained into ${arms}/backsplit`]);
    const again = await findOrTrainArms({ runsDir: path.join(tmp, 'arms'), config: TRAIN, outDir: () => { throw new Error('must not train'); } });
    expect(again.backsplit).toBe(runs.backsplit.runDir);
    // the pair found in runsDir is announced, with how to train instead
    const found: string[] = [];
    await findOrTrainArms({ runsDir: arms, source: 'RUNS=y', config: TRAIN, outDir: () => { throw new Error('must not train'); }, log: (l) => found.push(l) });
    expect(found).toEqual([`using the trained runs in RUNS=y: binary ${arms}/binary, BackSplit ${arms}/backsplit (nothing is trained here; set retrain = true to train two small runs instead)`]);
    // finished runs in the notebook's own folder are reused, and say so
    const reused: string[] = [];
    await findOrTrainArms({ runsDir: '', config: TRAIN, outDir: () => arms, log: (l) => reused.push(l) });
    expect(reused).toEqual([
      `binary: REUSED the finished run in ${arms}/binary (same config, from an earlier run of this notebook); set retrain = true to train it again`,
      `backsplit: REUSED the finished run in ${arms}/backsplit (same config, from an earlier run of this notebook); set retrain = true to train it again`,
    ]);
    expect(describeRun(runs.binary)).toMatch(new RegExp(`^${runs.binary.runDir} — unet \\[2,4\\], \\d+ parameters, 2 classes \\(background, lesion\\), checkpoints at steps 2, 4`));
  });
});

describe('Fisher of both arms', () => {
  it('measures both networks on the same patches and writes the rows and sentences', async () => {
    const patches = runPatches(runs.backsplit, { count: 2, seed: 0 });
    expect(describePatches(patches, [16, 16], 1)).toMatch(/^2 patches of \[16,16\] voxels from the validation cases \(\d centred on a lesion\), lesion share of voxels [\d.e-]+; 1 label samples per patch$/);
    const arms = { binary: loadRunModel(runs.binary), backsplit: loadRunModel(runs.backsplit) };
    const reports = await modelFisherArms(arms, patches, { samples: 1, seed: 1 });
    expect(reports.binary.numClasses).toBe(2);
    expect(reports.backsplit.numClasses).toBeGreaterThan(2);
    const rows = fisherArmsRows(arms, reports);
    expect(rows.map((r) => r.slice(0, 3))).toEqual([['binary', 2, 4], ['backsplit', reports.backsplit.numClasses, 4]]);
    expect(rows[1][3]).toMatch(/ ± /);
    const fractions: [number, string][] = [];
    const through = await fisherThroughTrainingArms(runs, patches, { samples: 1, seed: 1, gradientNoiseBatchSize: 1, onFraction: (f, d) => fractions.push([f, d]) });
    // one fraction over both runs (3 checkpoints each): rising to 1, half way when the binary run is done
    for (let i = 1; i < fractions.length; i++) expect(fractions[i][0]).toBeGreaterThanOrEqual(fractions[i - 1][0]);
    expect(fractions[fractions.length - 1]).toEqual([1, 'backsplit checkpoint 3/3']);
    expect(fractions.filter(([, d]) => d.startsWith('binary')).every(([f]) => f <= 0.5)).toBe(true);
    expect(fractions).toContainEqual([0.5, 'binary checkpoint 3/3']);
    expect(through.binary.map((p) => p.step)).toEqual([0, 2, 4]);
    expect(throughTrainingRows(through).map((r) => r[0])).toEqual([0, 2, 4]);
    expect(gradientNoiseRows(through)[0]).toHaveLength(7);
    for (const a of [arms.binary, arms.backsplit]) a.model.dispose();
  }, 120_000);

  it('states Y against Z in combined standard errors', () => {
    const report = { y: { trace: 5, traceStdError: 3, perLayer: [] }, z: { trace: 1, traceStdError: 4, perLayer: [] }, traceRatio: 5 } as unknown as FisherReport;
    expect(describeYvsZ('net', report, [{ Y: 2, Z: 1 }, { Y: 1, Z: 1 }, { Y: 0, Z: 1 }])).toBe(
      'net: tr F_Y = 5 ± 3, tr F_Z = 1 ± 4; trace ratio 5 (depends on the parameterisation); difference 4 (0.8 combined SEs, conservative since Y and Z share samples); Y ≥ Z in 2 of 3 layers.');
  });
});
