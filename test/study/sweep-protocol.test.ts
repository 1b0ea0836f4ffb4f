/**
 * The protocol's sweep (`sweep plan --protocol full [--emidec <folder>]`, `sweep collect`): each
 * dataset's group is the protocol's own study of that dataset — what `reproduce --full` trains —,
 * the axes vary one factor at a time around the protocol defaults (trainCases drawing from the same
 * pool), and collect writes the protocol's joint outputs (primary.json, forest plot, conclusions)
 * from the finished runs of the dataset groups only, naming what is missing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sweepCommand } from '../../lib/cli/commands/sweep';
import { resolveDatasetConfig } from '../../lib/data/registry';
import { emidecStudy, protocolEmidecStudy, protocolStudies, StudyConfig } from '../../lib/study/config';
import { studyRunConfig, studySplits, studyTrainIds } from '../../lib/study/pipeline';
import { loadProtocol } from '../../lib/study/protocol';
import { CollectedSweep, collectSweep, runSweepTask } from '../../lib/study/sweep-exec';
import { expandGrid, makePlan, protocolFullGrid, SweepGroup, validateGrid, writePlan } from '../../lib/study/sweep-plan';
import { runCaptured } from '../cli/capture';

// the reports' static PNG export (Chromium, seconds per figure) is not under test here: HTML only
vi.mock('../../lib/plot/render', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/plot/render')>()),
  renderAvailability: () => ({ ok: false, reason: 'PNG export switched off in this test' }),
}));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-protocol-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { protocol } = loadProtocol();

/** A folder that looks like EMIDEC's PNG layout (images/, labels/): planning reads listings only. */
function fakeEmidec(): string {
  const dir = path.join(tmp, 'emidec-lge');
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labels'), { recursive: true });
  return dir;
}

/** The study a protocol group must equal: the config's, with the dataset resolved and the sweep's folders. */
function asGroup(want: StudyConfig, group: string): StudyConfig {
  return { ...want, dataset: resolveDatasetConfig(want.dataset), runsDir: path.join('studies', group), reportDir: path.join('report', group) };
}

describe('sweep plan --protocol full', () => {
  const emidec = fakeEmidec();
  const plain = expandGrid(protocolFullGrid(protocol).grid, '--protocol full');
  const withEmidec = expandGrid(protocolFullGrid(protocol, emidec).grid, '--protocol full');
  const datasetGroups = (groups: Record<string, SweepGroup>) => Object.entries(groups).filter(([, g]) => !g.axis);

  it('makes each synthetic dataset\'s group the protocol\'s own study of it (protocolStudies(\'full\'))', () => {
    const studies = protocolStudies('full');
    const groups = datasetGroups(plain.groups);
    expect(groups.map(([, g]) => g.study.protocolDataset)).toEqual(studies.map((s) => s.protocolDataset));
    for (const [name, g] of groups) {
      const want = studies.find((s) => s.protocolDataset === g.dataset)!;
      expect(g.study).toEqual(asGroup(want, name));
      // the parts the issue names, spelt out
      expect(g.study.split).toEqual({ seed: 0, train: 16, validation: 8, test: 100, trainPerSeed: true });
      expect(g.study.dataset).toMatchObject({ kind: 'synthetic', cases: 160 });
      expect(g.study.train.steps).toBe(protocol.stopping.maxSteps);
      expect(g.study.train.validation!.every).toBe(protocol.stopping.validateEvery);
      // every run trains exactly what reproduce --full trains (its folder aside)
      for (const r of plain.runs.filter((x) => x.group === name && x.seed < 2)) {
        expect({ ...studyRunConfig(g.study, r.mode, r.seed), outputDir: '' }).toEqual({ ...studyRunConfig(want, r.mode, r.seed), outputDir: '' });
      }
    }
  });

  it('with --emidec <folder> adds the group protocolEmidecStudy(\'full\', folder)', () => {
    const groups = datasetGroups(withEmidec.groups);
    expect(groups.map(([, g]) => g.study.protocolDataset)).toEqual(['synthetic-mechanism', 'synthetic-null', 'synthetic-current', 'emidec']);
    const [name, g] = groups[3];
    expect(g.study).toEqual(asGroup(protocolEmidecStudy('full', emidec), name));
    expect(g.study.split).toEqual({ seed: 0, train: 48, validation: 8, test: 24, trainPerSeed: true });
    expect(g.study.seeds).toHaveLength(protocol.seeds.planned);
    expect(withEmidec.runs.filter((r) => r.group === name)).toHaveLength(protocol.arms.length * protocol.seeds.planned);
    // EMIDEC's split is the EMIDEC study's: the same 48 / 8 / 24 patients, and every seed draws all 48
    const ids = Array.from({ length: 80 }, (_, i) => `Case_${String(i).padStart(3, '0')}`);
    const splits = studySplits(ids, g.study);
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([48, 8, 24]);
    expect(splits).toEqual(studySplits(ids, emidecStudy('default', emidec)));
    for (const seed of [0, 5]) expect(studyTrainIds(splits, g.study, seed)).toEqual([...splits.train].sort());
  });

  it('counts the tasks: 504 without EMIDEC, 600 with it', () => {
    const seeds = protocol.seeds.planned;
    // 3 synthetic datasets × 8 arms × 12 seeds, and on the mechanism set binary and BackSplit × 12 seeds at
    // trainCases 4, 8, 32, label noise 0.25, 0.5, 1 and K = 1, 2, 3 (16, 0 and 5 are the defaults: the dataset's group)
    expect(plain.runs).toHaveLength(3 * 8 * seeds + 9 * 2 * seeds);
    expect(plain.runs).toHaveLength(504);
    expect(withEmidec.runs).toHaveLength(504 + 8 * seeds);
    expect(withEmidec.runs).toHaveLength(600);
    // adding EMIDEC keeps every other run's id
    expect(withEmidec.runs.filter((r) => !r.name.startsWith('emidec/')).map((r) => r.id)).toEqual(plain.runs.map((r) => r.id));
  });

  it('refuses a missing EMIDEC folder before planning, naming it', async () => {
    const missing = path.join(tmp, 'no-such-emidec');
    expect(() => protocolFullGrid(protocol, missing)).toThrow(`--emidec ${missing}: no such folder`);
    expect(() => protocolFullGrid(protocol, tmp)).toThrow(new RegExp(`--emidec ${tmp}: not EMIDEC data`));
    await expect(runCaptured(sweepCommand, ['plan', '--protocol', 'full', '--emidec', missing, '--out', path.join(tmp, 'refused')])).rejects.toThrow(`--emidec ${missing}: no such folder`);
    expect(fs.existsSync(path.join(tmp, 'refused', 'sweep.json'))).toBe(false);
  });

  it('varies one factor at a time around the protocol defaults on the mechanism set, binary and BackSplit only', () => {
    const [, base] = datasetGroups(plain.groups)[0];
    const axisGroups = Object.entries(plain.groups).filter(([, g]) => g.axis);
    expect(axisGroups.map(([, g]) => `${g.axis!.id}=${g.axis!.level}`)).toEqual([
      'trainCases=4', 'trainCases=8', 'trainCases=32', 'auxLabelNoise=0.25', 'auxLabelNoise=0.5', 'auxLabelNoise=1', 'backgroundClasses=1', 'backgroundClasses=2', 'backgroundClasses=3',
    ]);
    const ids = Array.from({ length: 160 }, (_, i) => `case-${i}`);
    const baseSplits = studySplits(ids, base.study);
    for (const [name, g] of axisGroups) {
      expect(g.dataset).toBe('synthetic-mechanism');
      expect(g.study.arms).toBeUndefined();
      expect(plain.runs.filter((r) => r.group === name).map((r) => r.arm).sort()).toEqual([...Array(12).fill('backsplit'), ...Array(12).fill('binary')]);
      const { id, level } = g.axis!;
      // exactly one setting differs from the dataset's group
      const expected: StudyConfig = id === 'trainCases' ? { ...base.study, split: { ...base.study.split, train: level } } : { ...base.study, train: { ...base.study.train, [id]: level } };
      expect({ ...g.study, runsDir: '', reportDir: '' }).toEqual({ ...expected, arms: undefined, runsDir: '', reportDir: '' });
      if (id === 'trainCases') {
        // the same pool, validation and test cases; each seed draws `level` of the pool
        const s = studySplits(ids, g.study);
        expect(s).toEqual(baseSplits);
        expect(studyTrainIds(s, g.study, 3)).toHaveLength(level);
        expect(studyTrainIds(s, g.study, 3).every((c) => baseSplits.train.includes(c))).toBe(true);
      }
    }
  });

  it('refuses a trainCases level the training pool cannot hold, saying how large the pool is', () => {
    const grid = (extra: object) => validateGrid({ preset: 'full', design: 'protocol', datasets: ['synthetic-mechanism'], arms: ['binary', 'backsplit'], seeds: [0], ...extra }, 'g.json', protocol);
    expect(() => expandGrid(grid({ trainCases: [53] }), 'g.json')).toThrow("g.json: dataset 'synthetic-mechanism' (trainCases = 53): each seed draws 53 training cases from a pool of 52 (160 cases − 8 validation − 100 test); the pool must hold at least 53");
    expect(() => expandGrid(grid({ trainCases: [32], cases: 130 }), 'g.json')).toThrow(/trainCases = 32\): each seed draws 32 training cases from a pool of 22/);
    expect(expandGrid(grid({ trainCases: [52] }), 'g.json').runs).toHaveLength(4);
  });

  it('takes only the protocol\'s datasets and presets in a grid of design \'protocol\'', () => {
    const g = { preset: 'long', design: 'protocol', datasets: ['synthetic-null'], arms: ['binary', 'backsplit'], seeds: [0] };
    const [group] = Object.values(expandGrid(validateGrid(g, 'g.json', protocol), 'g.json').groups);
    expect(group.study).toEqual(asGroup({ ...protocolStudies('long')[1], seeds: [0] }, path.basename(group.study.runsDir)));
    expect(() => expandGrid(validateGrid({ ...g, datasets: ['synthetic'] }, 'g.json', protocol), 'g.json')).toThrow(/'synthetic' is not a dataset of the protocol; a grid of design 'protocol' takes synthetic-mechanism, synthetic-null, synthetic-current, emidec:<folder>/);
    expect(() => validateGrid({ ...g, design: 'study' }, 'g.json', protocol)).toThrow(/'long' is a protocol preset: add "design": "protocol"/);
    expect(() => validateGrid({ ...g, design: 'other' }, 'g.json', protocol)).toThrow(/'design' must be 'study' or 'protocol'/);
  });
});

describe('sweep collect of a protocol plan', () => {
  const dir = path.join(tmp, 'tiny');
  let collected: CollectedSweep;
  const lines: string[] = [];

  // the protocol design at the quick preset, shrunk: 7 cases (2 drawn per seed, 3 test), a 4/8 U-Net, 2 steps
  const TINY = {
    preset: 'quick',
    design: 'protocol',
    datasets: ['synthetic-mechanism', 'synthetic-null'],
    arms: ['binary', 'backsplit'],
    seeds: [0, 1],
    auxLabelNoise: [0.5],
    axesOn: { datasets: ['synthetic-mechanism'] },
    cases: 7,
    split: { seed: 0, train: 2, validation: 0, test: 3, trainPerSeed: true },
    train: { model: { channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 2, checkpointEvery: 0 },
    fisher: { patches: 1, samples: 1 },
  };

  beforeAll(async () => {
    const plan = makePlan(validateGrid(TINY, 'tiny.json', protocol), 'tiny.json', []);
    writePlan(dir, plan);
    const train = (name: string) => runSweepTask(dir, plan.runs.find((r) => r.name === name)!.id, () => undefined);
    // mechanism and its axis level: seed 0; null: binary seeds 0 and 1, BackSplit seed 0 (binary seed 1 is unpaired)
    for (const n of ['binary/seed0', 'backsplit/seed0']) await train(`synthetic-mechanism/${n}`);
    for (const n of ['binary/seed0', 'backsplit/seed0', 'binary/seed1']) await train(`synthetic-null/${n}`);
    for (const n of ['binary/seed0', 'backsplit/seed0']) await train(`synthetic-mechanism/auxLabelNoise=0.5/${n}`);
    collected = await collectSweep(dir, (l) => lines.push(l));
  }, 600_000);

  it('writes primary.json over the datasets with finished binary and BackSplit runs, without the axis groups', () => {
    const file = path.join(dir, 'report', 'primary.json');
    expect(collected.protocol!.primaryFile).toBe(file);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.primary.protocol_sha256).toBe(loadProtocol().sha256);
    expect(Object.keys(written.primary.datasets)).toEqual(['synthetic-mechanism', 'synthetic-null']);
    // each enters with seed 0: on the null set BackSplit has not finished seed 1
    expect(written.primary.datasets['synthetic-mechanism'].arms.backsplit.n_seeds).toBe(1);
    expect(written.primary.datasets['synthetic-null'].arms.backsplit.n_seeds).toBe(1);
    expect(Object.keys(written.secondary.datasets)).toEqual(['synthetic-mechanism', 'synthetic-null']);
    expect(collected.protocol!.datasets.map((d) => [d.dataset, d.seeds, d.arms])).toEqual([
      ['synthetic-mechanism', [0], ['binary', 'backsplit']],
      ['synthetic-null', [0], ['binary', 'backsplit']],
    ]);
    // the axis group is not in the joint outputs, but has its own report
    const axisGroup = collected.groups.find((g) => g.group.includes('auxLabelNoise'))!;
    expect(collected.protocol!.datasets.map((d) => d.group)).not.toContain(axisGroup.group);
    expect(axisGroup.report).not.toBeNull();
    expect(fs.existsSync(path.join(axisGroup.report!, 'report.html'))).toBe(true);
    // beside primary.json, as reproduce writes them
    for (const f of ['forest.html', 'conclusions.md']) expect(fs.existsSync(path.join(dir, 'report', f))).toBe(true);
    const md = fs.readFileSync(path.join(dir, 'report', 'conclusions.md'), 'utf8');
    expect(md).toContain('These results hold synthetic-mechanism (mechanism-positive) with 1 seed and synthetic-null (null) with 1 seed');
    expect(lines.join('\n')).toContain(`primary endpoint: ${file}`);
  });

  it('names what is missing and what is left out', () => {
    const p = collected.protocol!;
    expect(p.leftOut).toEqual(expect.arrayContaining([
      'synthetic-null: binary seed(s) 1 left out: binary and backsplit have not both finished them',
      'synthetic-current: not in this sweep\'s plan',
      'emidec: not in this sweep\'s plan',
    ]));
    expect(p.missing.map((m) => m.split(' ')[1])).toEqual(['synthetic-mechanism/binary/seed1', 'synthetic-mechanism/backsplit/seed1', 'synthetic-null/backsplit/seed1']);
    const text = lines.join('\n');
    expect(text).toContain('missing (not finished): ');
    expect(text).toContain('synthetic-null/backsplit/seed1');
    expect(text).toMatch(/the 1 axis group\(s\) are descriptive .* and stay out of primary\.json/);
    // the axis group's own missing runs (seed 1) are named by collect as well
    expect(collected.groups.flatMap((g) => g.missing.map((r) => r.name)).sort()).toEqual([
      'synthetic-mechanism/auxLabelNoise=0.5/backsplit/seed1',
      'synthetic-mechanism/auxLabelNoise=0.5/binary/seed1',
      'synthetic-mechanism/backsplit/seed1',
      'synthetic-mechanism/binary/seed1',
      'synthetic-null/backsplit/seed1',
    ]);
  });
});
