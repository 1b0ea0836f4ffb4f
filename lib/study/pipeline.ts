/**
 * The reproduction study: generate (or load) a dataset, train the study's arms
 * (default binary and BackSplit; any arms of lib/train/arms.ts, StudyConfig.arms)
 * with identical settings for several seeds, evaluate each on held-out test cases
 * (lesion metrics, small lesions first, both collapse rules of a split arm),
 * estimate Monte-Carlo Fisher traces of each trained model, and compare the arms
 * with paired statistics. Every finished piece is cached
 * in the runs folder, so rerunning resumes instead of starting over.
 */
import { nextMacrotask } from '../core/process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, BackendReport } from '../backend/index';
import { hashCases } from '../data/synthetic';
import { loadDataset } from '../data/registry';
import { makeSplits, DatasetSplits } from '../data/splits';
import { writeFileAtomic } from '../core/atomic';
import { Random } from '../core/random';
import { SegmentationCase } from '../core/types';
import { CaseResult, evaluateSegmentation } from '../eval/evaluate';
import { FrocCandidateOptions, FrocCase, frocCase } from '../eval/froc';
import { chooseThreshold, diceAtThresholds, thresholdGrid } from '../eval/threshold';
import { perClassDice } from '../eval/multiclass';
import { fisherReport, FisherReport } from '../fisher/report';
import { resolveTrainConfig, TrainConfig } from '../train/config';
import { ArmName, armDefinition } from '../train/arms';
import { applyAuxLabelSettings } from '../train/aux-settings';
import { auxReference, classLayout, ClassLayout, prepareCase } from '../train/prepare';
import { patch3, sampleBatch } from '../train/sampler';
import { createProgressBar, TrainProgress } from '../train/progress';
import { lossCurve, readRunMetrics } from '../run/metrics';
import { lesionMask, predictCase } from '../run/predict';
import { storedConfig, trainOrReuse } from '../run/reuse';
import { isFinishedRun } from '../run/layout';
import { defaultStudyWorkers, PoolJob, PreloadedCases, runFraction, runStudyPool, StudyRunSpec } from './pool';
import { SegmentationModel } from '../model/model';
import { StudyConfig, studyArms } from './config';
import type { SeedCases } from './paired-effects';
import { loadProtocol } from './protocol';
import { SecondaryRule, secondaryRule, SecondaryRunFile, SecondarySeedCases, secondaryCaseValues } from './secondary';

/** The arms of the comparison as they appear in result tables. */
export const ARM_BINARY = 'binary';
export const ARM_BACKSPLIT = 'backsplit';
/** BackSplit collapsed with p_lesion > Σ p_background instead of argmax. */
export const ARM_BACKSPLIT_SUM = 'backsplit-sumrule';

export interface RunSummary {
  /** the run's arm (lib/train/arms.ts) */
  mode: ArmName;
  seed: number;
  runDir: string;
  /** Mean training loss every logEvery steps (from metrics.jsonl). */
  lossCurve: { step: number; loss: number }[];
  trainSeconds: number | null;
  stepsPerSecond: number | null;
  parameterCount: number;
  fisher: FisherReport;
}

export interface StudyResults {
  config: StudyConfig;
  backend: BackendReport;
  datasetHash: string;
  splits: DatasetSplits;
  /**
   * The class layout of each arm trained, by arm name (`binary` and `backsplit` are always there).
   * A backsplit-placebo-voronoi run draws its cells from its own seed: its entry is the layout of
   * the study's first seed, and the other seeds' layouts differ only in `labelSeed`.
   */
  layouts: Record<string, ClassLayout>;
  runs: RunSummary[];
  /** One entry per test case × arm × seed. */
  cases: CaseResult[];
  /**
   * For a study of a protocol dataset: per arm, each seed's FROC candidates of the test cases on
   * the p(lesion) map (the primary endpoint's input; not written to results.json, which holds the
   * endpoint computed from it).
   */
  froc?: Record<string, SeedCases<FrocCase>[]>;
  /**
   * For a study of a protocol dataset: per arm, each seed's secondary endpoints on the test cases
   * at the run's threshold tuned on validation (secondary.json of each run; lib/study/secondary).
   */
  secondary?: Record<string, SecondarySeedCases[]>;
  seconds: number;
}

type Log = (line: string) => void;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Load the study's cases through the dataset registry (synthetic, Colin27, manifest, MSD, case folders). */
export function loadStudyCases(cfg: StudyConfig): SegmentationCase[] {
  return loadDataset(cfg.dataset).cases;
}

/** The study's cases with their split, and the training and test cases themselves. */
export interface StudyCaseSplit {
  cases: SegmentationCase[];
  splits: DatasetSplits;
  trainCases: SegmentationCase[];
  testCases: SegmentationCase[];
}

/** Load the study's cases and split them (loadStudyCases + studySplits), keeping the dataset's case order. */
export function studyCaseSplit(cfg: StudyConfig): StudyCaseSplit {
  const cases = loadStudyCases(cfg);
  const splits = studySplits(cases.map((c) => c.id), cfg);
  return {
    cases,
    splits,
    trainCases: cases.filter((c) => splits.train.indexOf(c.id) >= 0),
    testCases: cases.filter((c) => splits.test.indexOf(c.id) >= 0),
  };
}

/**
 * One line: how many cases of which grid and spacing, how many train and test, which seeds.
 * @example describeCaseSplit(split, study) // "8 synthetic cases of 64×64×32 voxels (1×1×2 mm); 6 for training, 2 held out for testing; seeds 0"
 */
export function describeCaseSplit(s: StudyCaseSplit, cfg: StudyConfig): string {
  const first = s.cases[0].lesion;
  return `${s.cases.length} ${cfg.dataset.kind} cases of ${first.dims.join('×')} voxels (${first.spacing.join('×')} mm); ` +
    `${s.trainCases.length} for training, ${s.testCases.length} held out for testing; seeds ${cfg.seeds.join(', ')}`;
}

/**
 * Deterministic split by the study's seed and counts. With `split.trainPerSeed` the `train` list
 * is the whole training pool (every case that is neither validation nor test); each seed's own
 * training cases are {@link studyTrainIds}.
 */
export function studySplits(ids: string[], cfg: StudyConfig): DatasetSplits {
  const n = ids.length;
  const { train: nTrain, validation: nVal, test: nTest } = cfg.split;
  if (nTrain + nVal + nTest > n) {
    if (cfg.split.trainPerSeed) {
      throw new Error(`study: each seed draws ${nTrain} training cases from a pool of ${Math.max(0, n - nVal - nTest)} (${n} cases − ${nVal} validation − ${nTest} test); the pool must hold at least ${nTrain}`);
    }
    throw new Error(`study: the split asks for ${nTrain}+${nVal}+${nTest} cases but the dataset has ${n}`);
  }
  if (cfg.split.trainPerSeed) {
    return makeSplits(ids, { seed: cfg.split.seed, fractions: { train: (n - nVal - nTest) / n, val: nVal / n, test: nTest / n } });
  }
  const scale = nTrain + nVal + nTest;
  return makeSplits(ids, { seed: cfg.split.seed, fractions: { train: nTrain / scale, val: nVal / scale, test: nTest / scale } });
}

/**
 * The training case ids of one seed: the split's training cases, or, with `split.trainPerSeed`,
 * the seed's own draw of `split.train` cases from the training pool (seeded by the split seed and
 * the training seed, so every arm of a seed trains on the same cases and each seed on its own).
 * @example studyTrainIds(splits, { ...study, split: { ...study.split, trainPerSeed: true } }, 3) // 16 ids of the pool
 */
export function studyTrainIds(splits: DatasetSplits, cfg: StudyConfig, seed: number): string[] {
  if (!cfg.split.trainPerSeed) return splits.train;
  return new Random(cfg.split.seed).fork(`train-draw-seed-${seed}`).shuffle([...splits.train]).slice(0, cfg.split.train).sort();
}

/**
 * The resolved training config of one run of the study: the study's shared
 * settings plus mode, seed, run folder and dataset — the same object
 * `runStudy` trains with, so a run trained from a notebook is reused by the study.
 * @param cfg study configuration
 * @param mode the arm (lib/train/arms.ts ARM_NAMES), e.g. 'binary' or 'backsplit'
 * @param seed training seed
 * @example
 * const config = studyRunConfig(studyPreset('default'), 'backsplit', 0); // outputDir runs/study/backsplit-seed0
 */
export function studyRunConfig(cfg: StudyConfig, mode: ArmName, seed: number): TrainConfig {
  const runDir = path.join(cfg.runsDir, `${mode}-seed${seed}`);
  return resolveTrainConfig({ ...cfg.train, mode, seed, outputDir: runDir, dataset: cfg.dataset }, `study ${mode} seed ${seed}`);
}

/**
 * Lesion mask(s) of a model on one case, keyed by result name. An arm on binary labels
 * (binary, binary-ce, binary-wide) → its argmax mask under the arm's name; an arm whose labels
 * split the background → the argmax mask under its name and the sum rule under
 * `<arm>-sumrule` (for BackSplit: ARM_BACKSPLIT, ARM_BACKSPLIT_SUM), plus the predicted aux map.
 */
export async function predictLesionMasks(
  model: SegmentationModel,
  layout: ClassLayout,
  caseData: SegmentationCase,
  patchSize: number[],
  overlap: number,
): Promise<{ masks: Record<string, Uint8Array>; aux?: Uint8Array; lesionProbability: Float32Array }> {
  const p = await predictCase(model, layout, caseData, { patchSize, overlap, rule: 'argmaxIsLesion' });
  const lesionProbability = p.lesionProbability.data;
  if (armDefinition(layout.mode).labels === 'binary') return { masks: { [layout.mode]: p.lesionMask.data }, lesionProbability };
  return {
    masks: {
      [layout.mode]: p.lesionMask.data,
      [`${layout.mode}-sumrule`]: lesionMask(p.probabilities, layout, 'lesionBeatsBackgroundSum'),
    },
    aux: p.auxMap ? p.auxMap.data : undefined,
    lesionProbability,
  };
}

/**
 * Evaluate a trained model on cases: one CaseResult per case and mask of
 * predictLesionMasks (an arm on binary labels: its argmax; a split arm: both collapse
 * rules, plus the auxiliary-class Dice of its argmax against auxReference).
 */
export async function evaluateModelOnCases(
  model: SegmentationModel,
  layout: ClassLayout,
  cases: SegmentationCase[],
  config: TrainConfig,
  seed: number | null,
  onCase?: (index: number, id: string) => void,
  onLesionProbability?: (c: SegmentationCase, lesionProbability: Float32Array) => void,
): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    onCase?.(i, c.id);
    const { masks, aux, lesionProbability } = await predictLesionMasks(model, layout, c, config.patchSize, config.inferenceOverlap);
    onLesionProbability?.(c, lesionProbability);
    const auxRef = aux ? auxReference(c, layout) : null;
    for (const [arm, mask] of Object.entries(masks)) {
      const evaluation = evaluateSegmentation({ data: mask, dims: c.lesion.dims, spacing: c.lesion.spacing }, c.lesion, {}, { pred: `${arm} ${c.id}`, ref: `${c.id} lesion` });
      const entry: CaseResult = { caseId: c.id, model: arm, seed, evaluation };
      if (aux && auxRef && arm === layout.mode) entry.auxiliary = perClassDice(aux, auxRef.data, auxRef.classes);
      out.push(entry);
    }
  }
  return out;
}

/** What every run of a study shares: backend, dataset, splits and class layouts. */
interface StudyContext {
  cfg: StudyConfig;
  log: Log;
  backend: BackendReport;
  /** The dataset's cases as loaded (before any K-axis merge), which throughput workers receive instead of loading them again. */
  cases: SegmentationCase[];
  datasetHash: string;
  splits: DatasetSplits;
  /** the training pool (with split.trainPerSeed) or the training cases of every seed */
  trainCases: SegmentationCase[];
  /** the training cases of one seed */
  trainCasesOf: (seed: number) => SegmentationCase[];
  valCases: SegmentationCase[];
  testCases: SegmentationCase[];
  /** The class layout a run of an arm and seed trains and is evaluated with (only placebo-voronoi depends on the seed). */
  layoutOf: (mode: ArmName, seed: number) => ClassLayout;
  /** A worker process reports training progress and phases here instead of drawing a bar. */
  onProgress?: (p: TrainProgress) => void;
  onPhase?: (phase: string) => void;
}

/**
 * Select the backend, load and split the dataset, and check/write the runs folder's study.json.
 * `preloaded` (a throughput worker's: the cases the study process loaded, with their hash) replaces
 * loading or generating the dataset again; the hash is checked, so a case damaged on the way fails.
 */
async function openStudy(cfg: StudyConfig, log: Log, preloaded?: PreloadedCases): Promise<StudyContext> {
  const backend = await initBackend({ backend: cfg.backend });
  log(`backend: ${backend.summary}`);
  fs.mkdirSync(cfg.runsDir, { recursive: true });

  const cases = preloaded ? preloaded.cases : loadStudyCases(cfg);
  const datasetHash = hashCases(cases);
  if (preloaded && datasetHash !== preloaded.datasetHash) {
    throw new Error(`study: the ${cases.length} cases received from the study process hash to ${datasetHash.slice(0, 12)}…, not ${preloaded.datasetHash.slice(0, 12)}…`);
  }
  const byId = new Map(cases.map((c) => [c.id, c] as [string, SegmentationCase]));
  const splits = studySplits(cases.map((c) => c.id), cfg);
  log(`dataset: ${cases.length} cases (${cfg.dataset.kind}${preloaded ? ', received from the study process' : ''}), sha256 ${datasetHash.slice(0, 12)}…; split ${splits.train.length} train / ${splits.val.length} validation / ${splits.test.length} test`);
  const studyFile = path.join(cfg.runsDir, 'study.json');
  const previous = readJson<{ datasetHash: string; splits: DatasetSplits; train: unknown }>(studyFile);
  if (previous && (previous.datasetHash !== datasetHash || JSON.stringify(previous.train) !== JSON.stringify(cfg.train) ||
    JSON.stringify(previous.splits) !== JSON.stringify(splits))) {
    throw new Error(`study: ${cfg.runsDir} holds a study with another dataset, split or training settings; delete it or choose another --runs folder`);
  }
  const record: Record<string, unknown> = { datasetHash, splits, train: cfg.train, seeds: cfg.seeds };
  if (cfg.split.trainPerSeed) record.trainBySeed = Object.fromEntries(cfg.seeds.map((seed) => [seed, studyTrainIds(splits, cfg, seed)]));
  writeFileAtomic(studyFile, JSON.stringify(record, null, 2) + '\n');
  if (cfg.split.trainPerSeed) log(`training pool of ${splits.train.length} cases; each seed draws its own ${cfg.split.train}`);

  if (cfg.train.backgroundClasses !== undefined) {
    // the K axis: every case's auxiliary classes merged, so the layouts, the trained heads and the
    // auxiliary references of the evaluation agree (label noise is the training run's own business)
    for (const c of applyAuxLabelSettings(cases, cfg.train, { noisy: false })) byId.set(c.id, c);
    log(`auxiliary classes merged to K = ${cfg.train.backgroundClasses} (docs/protocol.md, "The freeze")`);
  }
  const trainCases = splits.train.map((id) => byId.get(id)!);
  const trainCasesOf = (seed: number) => studyTrainIds(splits, cfg, seed).map((id) => byId.get(id)!);
  const valCases = splits.val.map((id) => byId.get(id)!);
  const testCases = splits.test.map((id) => byId.get(id)!);
  const layouts = new Map<string, ClassLayout>();
  const layoutOf = (mode: ArmName, seed: number): ClassLayout => {
    const seeded = armDefinition(mode).labels === 'placebo-voronoi';
    const key = seeded ? `${mode} ${seed}` : mode;
    let layout = layouts.get(key);
    if (!layout) layouts.set(key, (layout = classLayout(mode, trainCases, seeded ? { seed } : {})));
    return layout;
  };
  return { cfg, log, backend, cases, datasetHash, splits, trainCases, trainCasesOf, valCases, testCases, layoutOf };
}

/**
 * The model of one run: a finished run is reused, an interrupted one resumed, else trained. When it
 * was trained here, also p(lesion) of the validation cases at the final step (the last validation
 * pass runs with the final weights), which the threshold tuning then need not predict again.
 */
async function studyModel(ctx: StudyContext, config: TrainConfig, tag: string): Promise<{ model: SegmentationModel; finalValidationMaps?: ReadonlyMap<string, Float32Array> }> {
  const runDir = config.outputDir;
  let bar: ReturnType<typeof createProgressBar> | null = null;
  let finalValidationMaps: ReadonlyMap<string, Float32Array> | undefined;
  const res = await trainOrReuse({
    config,
    runDir,
    cases: { trainCases: ctx.trainCasesOf(config.seed), valCases: ctx.valCases, datasetInfo: { hash: ctx.datasetHash, kind: ctx.cfg.dataset.kind } },
    backendReport: ctx.backend,
    onTrainStart: () => {
      // results cached beside a model that is (re)trained now were made from other weights (a folder
      // whose checkpoints were deleted trains afresh but keeps its old outputs): drop them first
      const stale = RUN_RESULT_FILES.filter((f) => fs.existsSync(path.join(runDir, f)));
      for (const f of stale) fs.rmSync(path.join(runDir, f), { force: true });
      if (stale.length > 0) ctx.log(`${tag}: ${stale.join(', ')} predate the model trained now; evaluating again`);
      ctx.log(`${tag}: training ${config.steps} steps (${config.model.family} ${config.model.channels.join('/')}, patch ${config.patchSize.join('×')}, batch ${config.batchSize})`);
      if (!ctx.onProgress) bar = createProgressBar(process.stdout, { intervalSeconds: 15 });
    },
    onProgress: (p) => (ctx.onProgress ? ctx.onProgress(p) : bar?.update(p)),
    // the same sliding window as the test-time prediction only when the overlaps agree
    ...(config.validation.overlap === config.inferenceOverlap ? { onValidationMaps: (step: number, maps: ReadonlyMap<string, Float32Array>) => (finalValidationMaps = step === config.steps ? maps : undefined) } : {}),
  });
  if (res.reused) {
    ctx.log(`${tag}: finished run found, reusing ${runDir}`);
  } else {
    (bar as ReturnType<typeof createProgressBar> | null)?.done();
    ctx.log(`${tag}: ${res.stepsPerSecond!.toFixed(2)} steps/s`);
  }
  return { model: res.model, finalValidationMaps };
}

/** The protocol's FROC candidate rule (protocol.json `primary`). */
function protocolCandidateRule(): FrocCandidateOptions {
  const p = loadProtocol().protocol.primary;
  return { candidateThreshold: p.candidateThreshold, connectivity: p.connectivity, dilationVoxels: p.dilationVoxels };
}

/** A run's secondary endpoints (secondary.json of a protocol study's run folder). */
export const SECONDARY_FILE = 'secondary.json';

/** A run's test-case evaluation, FROC candidates (protocol datasets) and Monte-Carlo Fisher trace. */
const TEST_EVALUATION_FILE = 'test-evaluation.json';
const TEST_FROC_FILE = 'test-froc.json';
const FISHER_FILE = 'fisher-mc.json';

/** What a study caches in a run folder from the trained model (dropped when the model is trained again). */
const RUN_RESULT_FILES = [TEST_EVALUATION_FILE, TEST_FROC_FILE, SECONDARY_FILE, FISHER_FILE];

/** A run's secondary.json when it was made by the protocol's current secondary rule, else undefined (recomputed). */
function readSecondaryFile(file: string, rule: SecondaryRule, log: Log): SecondaryRunFile | undefined {
  const stored = readJson<SecondaryRunFile>(file);
  if (!stored) return undefined;
  if (JSON.stringify(stored.rule) !== JSON.stringify(rule)) {
    log(`${file}: made with another secondary rule (${JSON.stringify(stored.rule)}); evaluating again`);
    return undefined;
  }
  return stored;
}

/**
 * The protocol's threshold of one run: the model's p_L on each validation case, Dice at every grid
 * value (lib/eval/threshold), the grid value with the highest mean (ties to the one closest to 0.5).
 */
async function tuneValidationThreshold(
  ctx: StudyContext,
  model: SegmentationModel,
  layout: ClassLayout,
  config: TrainConfig,
  rule: SecondaryRule,
  finalValidationMaps?: ReadonlyMap<string, Float32Array>,
): Promise<ReturnType<typeof chooseThreshold>> {
  const grid = thresholdGrid(rule.grid);
  const perCase: number[][] = [];
  for (const c of ctx.valCases) {
    // the final validation pass's map when training gave one (the same model, window and case), else predicted here
    const pL = finalValidationMaps?.get(c.id) ?? (await predictCase(model, layout, c, { patchSize: config.patchSize, overlap: config.inferenceOverlap, rule: 'argmaxIsLesion' })).lesionProbability.data;
    perCase.push(diceAtThresholds(pL, c.lesion.data, grid));
  }
  return chooseThreshold(grid, perCase);
}

/**
 * Test-case evaluation of one run (cached in the run folder as test-evaluation.json) and, for a
 * study of a protocol dataset, from the same predictions of the p(lesion) map: the FROC
 * candidates of every test case (test-froc.json) and the secondary endpoints at the threshold
 * tuned on the run's validation cases (secondary.json). When any of the three is missing all
 * three are computed again (deterministic).
 */
async function testEvaluation(
  ctx: StudyContext,
  model: SegmentationModel,
  config: TrainConfig,
  mode: ArmName,
  seed: number,
  finalValidationMaps?: ReadonlyMap<string, Float32Array>,
): Promise<{ cases: CaseResult[]; froc?: FrocCase[]; secondary?: SecondaryRunFile }> {
  const evalFile = path.join(config.outputDir, TEST_EVALUATION_FILE);
  const frocFile = path.join(config.outputDir, TEST_FROC_FILE);
  const secondaryFile = path.join(config.outputDir, SECONDARY_FILE);
  const protocolStudy = ctx.cfg.protocolDataset !== undefined;
  const secRule = protocolStudy ? secondaryRule(loadProtocol().protocol) : null;
  let caseResults = readJson<CaseResult[]>(evalFile);
  let froc = protocolStudy ? readJson<FrocCase[]>(frocFile) : undefined;
  let secondary = secRule ? readSecondaryFile(secondaryFile, secRule, ctx.log) : undefined;
  if (!caseResults || (protocolStudy && (!froc || !secondary))) {
    const rule = protocolStudy ? protocolCandidateRule() : null;
    const layout = ctx.layoutOf(mode, seed);
    const tuned = secRule ? await tuneValidationThreshold(ctx, model, layout, config, secRule, finalValidationMaps) : null;
    const frocCases: FrocCase[] = [];
    const secondaryCases: SecondaryRunFile['cases'] = [];
    caseResults = await evaluateModelOnCases(model, layout, ctx.testCases, config, seed, undefined, rule && secRule && tuned ? (c, p) => {
      const probability = { data: p, dims: c.lesion.dims, spacing: c.lesion.spacing };
      frocCases.push(frocCase({ caseId: c.id, probability, ref: c.lesion }, rule));
      secondaryCases.push({ caseId: c.id, values: secondaryCaseValues(probability, c.lesion, tuned.threshold, secRule, `${mode} seed ${seed}, test case ${c.id}`) });
    } : undefined);
    writeFileAtomic(evalFile, JSON.stringify(caseResults) + '\n');
    if (rule && secRule && tuned) {
      froc = frocCases;
      writeFileAtomic(frocFile, JSON.stringify(froc) + '\n');
      secondary = { rule: secRule, threshold: tuned.threshold, validationCases: tuned.cases, validationCurve: tuned.curve, cases: secondaryCases };
      writeFileAtomic(secondaryFile, JSON.stringify(secondary, null, 1) + '\n');
    }
  }
  return { cases: caseResults, froc, secondary };
}

/**
 * Monte-Carlo Fisher of a trained model on test patches (cached in the run folder as fisher-mc.json),
 * measured for every arm the same way: labels sampled from the model's own softmax at its trained
 * weights, F_Y under its K+2 (or 2) classes and F_Z under the same softmax coarsened to lesion vs
 * rest. The patches are the same for every arm of a seed (their positions depend only on the test
 * cases' lesions and the seed, not on the arm's labels). What the two traces say depends on the head:
 * - 2-class head (binary, binary-ce): Y is Z, so F_Y = F_Z — one number, the model's lesion-vs-rest
 *   Fisher, the value every other arm's F_Z is read against;
 * - K+2 head on binary labels (binary-wide): classes 1..K are never a target, so training drives
 *   their probabilities towards 0 and F_Y − F_Z measures only the mass the head still puts on them;
 * - K+2 head on split labels (backsplit and its loss variants, the placebo splits): F_Y ≥ F_Z in
 *   expectation (chain rule), and F_Y − F_Z is the information of the split under the model's own
 *   distribution — anatomical for the backsplit arms, random cells or intensity bands for the placebos.
 * Comparing traces across arms compares separately trained models, not the chain rule's two
 * likelihoods at one set of weights (lib/study/fisher.ts does that).
 */
async function testFisher(ctx: StudyContext, model: SegmentationModel, config: TrainConfig, mode: ArmName, seed: number): Promise<FisherReport> {
  const fisherFile = path.join(config.outputDir, FISHER_FILE);
  let fisher = readJson<FisherReport>(fisherFile);
  if (fisher) return fisher;
  const layout = ctx.layoutOf(mode, seed);
  const prepared = ctx.testCases.map((c) => prepareCase(c, layout));
  const patch = patch3(config.patchSize);
  const rng = new Random(1000 + seed).fork('fisher-patches');
  const batch = sampleBatch(prepared, patch, ctx.cfg.fisher.patches, 0.5, rng);
  const shape = config.patchSize.length === 2 ? [batch.batchSize, patch[1], patch[2], batch.channels] : [batch.batchSize, ...patch, batch.channels];
  const x = tf.tensor(batch.images, shape, 'float32');
  try {
    fisher = await fisherReport(
      { logits: (input) => model.apply(input, false) as tf.Tensor, variables: [...model.variables.values()], lesionClass: layout.lesionClass, numClasses: layout.numClasses },
      [{ x }],
      { kind: 'mc', samples: ctx.cfg.fisher.samples, seed },
    );
  } finally {
    x.dispose();
  }
  writeFileAtomic(fisherFile, JSON.stringify(fisher, null, 2) + '\n');
  return fisher;
}

/** Train (or reuse), evaluate and measure one run of the study. */
async function studyRun(ctx: StudyContext, mode: ArmName, seed: number, tag: string): Promise<{ summary: RunSummary; cases: CaseResult[]; froc?: FrocCase[]; secondary?: SecondaryRunFile }> {
  const config = studyRunConfig(ctx.cfg, mode, seed);
  const runDir = config.outputDir;
  const { model, finalValidationMaps } = await studyModel(ctx, config, tag);
  if (ctx.onPhase) {
    ctx.onPhase('evaluating');
    await nextMacrotask(); // the phase's progress line goes out before the evaluation holds the loop
  }
  const { cases: caseResults, froc, secondary } = await testEvaluation(ctx, model, config, mode, seed, finalValidationMaps);
  // the arm's own argmax mask (a split arm also has its `<arm>-sumrule` rows)
  const meanDice = caseResults.filter((r) => r.model === mode).reduce((s, r) => s + r.evaluation.overlap.dice, 0) / ctx.testCases.length;
  ctx.log(`${tag}: test lesion Dice ${meanDice.toFixed(3)} (mean over ${ctx.testCases.length} cases)`);
  if (secondary) {
    const best = secondary.validationCurve.find((c) => c.threshold === secondary.threshold)?.mean;
    ctx.log(`${tag}: secondary endpoints at p(lesion) ≥ ${secondary.threshold} (` +
      (secondary.validationCases ? `mean validation Dice ${best === null || best === undefined ? 'n/a' : best.toFixed(3)} over ${secondary.validationCases} cases)` : 'no validation case to tune on: the tie rule\'s value)'));
  }
  if (ctx.onPhase) {
    ctx.onPhase('Fisher');
    await nextMacrotask();
  }
  const fisher = await testFisher(ctx, model, config, mode, seed);
  ctx.log(`${tag}: Monte-Carlo Fisher trace, multiclass Y ${fisher.y.trace.toExponential(3)}, lesion-vs-rest Z ${fisher.z.trace.toExponential(3)}` +
    (fisher.numClasses === 2 ? ' (2-class head: Y is Z)' : ''));
  const metrics = readRunMetrics(runDir, { missingOk: true });
  const summary: RunSummary = {
    mode,
    seed,
    runDir,
    lossCurve: lossCurve(metrics),
    trainSeconds: metrics.end?.seconds ?? null,
    stepsPerSecond: metrics.end?.trainStepsPerSecond ?? null,
    parameterCount: model.parameterCount(),
    fisher,
  };
  model.dispose();
  return { summary, cases: caseResults, froc, secondary };
}

/** One run's secondary.json as a seed of StudyResults.secondary. */
function secondarySeed(seed: number, file: SecondaryRunFile): SecondarySeedCases {
  return { seed, threshold: file.threshold, validationCases: file.validationCases, cases: file.cases.map((c) => ({ caseId: c.caseId, value: c.values })) };
}

/**
 * True when a run of the study needs nothing more: trained with this config, evaluated (for a
 * protocol dataset also its FROC candidates and secondary endpoints), Fisher measured.
 */
export function studyRunComplete(cfg: StudyConfig, mode: ArmName, seed: number): boolean {
  const config = studyRunConfig(cfg, mode, seed);
  const dir = config.outputDir;
  const files = [TEST_EVALUATION_FILE, FISHER_FILE, ...(cfg.protocolDataset !== undefined ? [TEST_FROC_FILE, SECONDARY_FILE] : [])];
  return isFinishedRun(dir) && JSON.stringify(storedConfig(dir)) === JSON.stringify(config) && files.every((f) => fs.existsSync(path.join(dir, f)));
}

/** Options of {@link runStudy}. */
export interface RunStudyOptions {
  /** The study's cases, already loaded by this process ({@link studyPoolJobs}): not loaded again. */
  preloaded?: PreloadedCases;
  /**
   * Worker processes that train the study's pending runs side by side (throughput mode, lib/study/pool.ts);
   * 1 = one run after another in this process with every core. Default: {@link defaultStudyWorkers}.
   */
  workers?: number;
  /**
   * Called as the study advances: the fraction of its runs done (training, test evaluation,
   * Fisher; lib/study/pool runFraction) and the run in progress. A notebook draws it as a live
   * line with an ETA (notebookWorkProgress); given, it replaces the per-run training bar.
   */
  onFraction?: (fraction: number, detail: string) => void;
}

/**
 * Run one run of the study (train or resume, evaluate, measure its Fisher) in this process: what a
 * throughput-mode worker does. The study's folder and dataset must already be set up by runStudy.
 */
export async function runOneStudyRun(
  cfg: StudyConfig,
  spec: StudyRunSpec,
  hooks: { log: Log; onProgress: (p: TrainProgress) => void; onPhase: (phase: string) => void },
  preloaded?: PreloadedCases,
): Promise<void> {
  const ctx = await openStudy(cfg, hooks.log, preloaded);
  ctx.onProgress = hooks.onProgress;
  ctx.onPhase = hooks.onPhase;
  await studyRun(ctx, spec.mode, spec.seed, `${spec.mode} seed ${spec.seed}`);
}

/** The study's cases and their hash, for the workers and for a second opening in this process. */
function preloadedOf(ctx: StudyContext): PreloadedCases {
  return { cases: ctx.cases, datasetHash: ctx.datasetHash };
}

/** The layout of each arm at the study's first seed (StudyResults.layouts). */
function armLayouts(ctx: StudyContext, modes: readonly ArmName[]): Record<string, ClassLayout> {
  return Object.fromEntries(modes.map((m) => [m, ctx.layoutOf(m, ctx.cfg.seeds[0] ?? 0)]));
}

/**
 * Open a study (backend, dataset, study.json, every arm's layout) and list its runs still to do as
 * jobs of a worker pool that carry the study's cases, so that several studies can train in one
 * pool (lib/study/protocol-run) with no worker idle between them. Pass `preloaded` back to
 * {@link runStudy} so that it does not load the dataset again.
 */
export async function studyPoolJobs(cfg: StudyConfig, log: Log): Promise<{ jobs: PoolJob[]; preloaded: PreloadedCases }> {
  const ctx = await openStudy(cfg, log);
  const modes = studyArms(cfg);
  armLayouts(ctx, modes);
  const preloaded = preloadedOf(ctx);
  const jobs: PoolJob[] = pendingStudyRuns(cfg).map((spec) => ({ cfg, spec, preloaded }));
  return { jobs, preloaded };
}

/** The runs of a study still to do (by their folders alone: nothing is loaded), seed by seed, arms in order. */
export function pendingStudyRuns(cfg: StudyConfig): StudyRunSpec[] {
  const out: StudyRunSpec[] = [];
  for (const seed of cfg.seeds) for (const mode of studyArms(cfg)) if (!studyRunComplete(cfg, mode, seed)) out.push({ mode, seed });
  return out;
}

/**
 * Run (or resume) the whole study: every arm of {@link studyArms} (default binary and backsplit)
 * for every seed, seed by seed and arms in the given order.
 * @throws RangeError naming 'arms' when cfg.arms names an unknown arm (before anything is trained)
 */
export async function runStudy(cfg: StudyConfig, log: Log = (l) => process.stdout.write(l + '\n'), opts: RunStudyOptions = {}): Promise<StudyResults> {
  const t0 = Date.now();
  const modes = studyArms(cfg);
  if (opts.onFraction) {
    opts.onFraction(0, 'loading the data');
    await nextMacrotask();
  }
  const ctx = await openStudy(cfg, log, opts.preloaded);
  // every arm's layout now, so that data an arm cannot train on fails before anything trains
  const layouts = armLayouts(ctx, modes);
  const runs: RunSummary[] = [];
  const results: CaseResult[] = [];
  const froc: Record<string, SeedCases<FrocCase>[]> = {};
  const secondary: Record<string, SecondarySeedCases[]> = {};
  const pending: StudyRunSpec[] = [];
  for (const seed of cfg.seeds) for (const mode of modes) if (!studyRunComplete(cfg, mode, seed)) pending.push({ mode, seed });
  const workers = opts.workers ?? defaultStudyWorkers(pending.length, cfg.backend);
  const total = cfg.seeds.length * modes.length;
  const onFraction = opts.onFraction;
  if (workers > 1 && pending.length > 1) {
    // the runs already complete count as done; the pool's share is its pending runs
    const before = total - pending.length;
    const poolShare = onFraction ? (f: number, detail: string) => onFraction((before + f * pending.length) / total, detail) : undefined;
    // the workers get the cases this process loaded (generating 160 synthetic cases took ~7 s per worker)
    await runStudyPool(cfg, pending, { workers, log, preloaded: preloadedOf(ctx), ...(poolShare ? { onFraction: poolShare } : {}) });
  }
  let index = 0;
  for (const seed of cfg.seeds) {
    for (const mode of modes) {
      index++;
      const tag = `[${index}/${total}] ${mode} seed ${seed}`;
      if (onFraction) {
        const done = index - 1;
        ctx.onPhase = (p) => onFraction((done + runFraction(p)) / total, `${mode} seed ${seed} ${p}`);
        ctx.onProgress = (p) => onFraction((done + runFraction('training', p)) / total, `${mode} seed ${seed} step ${p.step}/${p.totalSteps}`);
        onFraction(done / total, `${mode} seed ${seed}`);
      }
      const run = await studyRun(ctx, mode, seed, tag);
      onFraction?.(index / total, `${mode} seed ${seed} done`);
      runs.push(run.summary);
      results.push(...run.cases);
      if (run.froc) (froc[mode] ??= []).push({ seed, cases: run.froc.map((c) => ({ caseId: c.caseId, value: c })) });
      if (run.secondary) (secondary[mode] ??= []).push(secondarySeed(seed, run.secondary));
    }
  }
  const { backend, datasetHash, splits } = ctx;
  const out: StudyResults = { config: cfg, backend, datasetHash, splits, layouts, runs, cases: results, seconds: (Date.now() - t0) / 1000 };
  if (cfg.protocolDataset) {
    out.froc = froc;
    out.secondary = secondary;
  }
  return out;
}

/** What {@link collectStudy} found: the results of the finished runs, and the runs still missing. */
export interface CollectedStudy {
  results: StudyResults;
  missing: StudyRunSpec[];
}

/**
 * The study's results from whichever of `specs` are finished (trained, evaluated, Fisher measured),
 * training nothing: what a sweep's collect step reports while some runs are still out.
 * @example const { results, missing } = await collectStudy(cfg, [{ mode: 'binary', seed: 0 }, { mode: 'backsplit', seed: 0 }], console.log);
 */
export async function collectStudy(cfg: StudyConfig, specs: readonly StudyRunSpec[], log: Log): Promise<CollectedStudy> {
  const t0 = Date.now();
  const ctx = await openStudy(cfg, log);
  const runs: RunSummary[] = [];
  const cases: CaseResult[] = [];
  const froc: Record<string, SeedCases<FrocCase>[]> = {};
  const secondary: Record<string, SecondarySeedCases[]> = {};
  const missing: StudyRunSpec[] = [];
  for (const spec of specs) {
    if (!studyRunComplete(cfg, spec.mode, spec.seed)) {
      missing.push(spec);
      continue;
    }
    const run = await studyRun(ctx, spec.mode, spec.seed, `${spec.mode} seed ${spec.seed}`);
    runs.push(run.summary);
    cases.push(...run.cases);
    if (run.froc) (froc[spec.mode] ??= []).push({ seed: spec.seed, cases: run.froc.map((c) => ({ caseId: c.caseId, value: c })) });
    if (run.secondary) (secondary[spec.mode] ??= []).push(secondarySeed(spec.seed, run.secondary));
  }
  const modes = [...new Set(['binary', 'backsplit', ...specs.map((s) => s.mode)] as ArmName[])];
  const { backend, datasetHash, splits } = ctx;
  const results: StudyResults = { config: cfg, backend, datasetHash, splits, layouts: armLayouts(ctx, modes), runs, cases, seconds: (Date.now() - t0) / 1000 };
  if (cfg.protocolDataset) {
    results.froc = froc;
    results.secondary = secondary;
  }
  return { results, missing };
}
