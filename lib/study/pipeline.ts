/**
 * The reproduction study: generate (or load) a dataset, train binary and
 * BackSplit models with identical settings for several seeds, evaluate both on
 * held-out test cases (lesion metrics, small lesions first, both BackSplit
 * collapse rules), estimate Monte-Carlo Fisher traces of each trained model,
 * and compare the arms with paired statistics. Every finished piece is cached
 * in the runs folder, so rerunning resumes instead of starting over.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, BackendReport } from '../backend/index';
import { hashCases } from '../data/synthetic';
import { loadDataset } from '../data/registry';
import { makeSplits, DatasetSplits } from '../data/splits';
import { Random } from '../data/random';
import { LabelMode, SegmentationCase } from '../data/types';
import { CaseResult, evaluateSegmentation } from '../eval/evaluate';
import { perClassDice } from '../eval/multiclass';
import { collapseToBinary } from '../labels/collapse';
import { fisherReport, FisherReport } from '../fisher/report';
import { TrainConfig } from '../train/config';
import { classLayout, ClassLayout, prepareCase } from '../train/prepare';
import { patch3, sampleBatch } from '../train/sampler';
import { createProgressBar } from '../train/progress';
import { loadRun, train } from '../train/trainer';
import { writeFileAtomic } from '../train/checkpoint';
import { SegmentationModel } from '../model/model';
import { StudyConfig } from './config';
import { predictCase, studyRunConfig } from './notebook';

/** The arms of the comparison as they appear in result tables. */
export const ARM_BINARY = 'binary';
export const ARM_BACKSPLIT = 'backsplit';
/** BackSplit collapsed with p_lesion > Σ p_background instead of argmax. */
export const ARM_BACKSPLIT_SUM = 'backsplit-sumrule';

export interface RunSummary {
  mode: LabelMode;
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
  layouts: Record<LabelMode, ClassLayout>;
  runs: RunSummary[];
  /** One entry per test case × arm × seed. */
  cases: CaseResult[];
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

/** Deterministic split by the study's seed and counts. */
export function studySplits(ids: string[], cfg: StudyConfig): DatasetSplits {
  const n = ids.length;
  const { train: nTrain, validation: nVal, test: nTest } = cfg.split;
  if (nTrain + nVal + nTest > n) {
    throw new Error(`study: the split asks for ${nTrain}+${nVal}+${nTest} cases but the dataset has ${n}`);
  }
  const scale = nTrain + nVal + nTest;
  return makeSplits(ids, { seed: cfg.split.seed, fractions: { train: nTrain / scale, val: nVal / scale, test: nTest / scale } });
}

/** Lesion mask(s) of a model on one case: binary → argmax; BackSplit → both collapse rules. */
export async function predictLesionMasks(
  model: SegmentationModel,
  layout: ClassLayout,
  caseData: SegmentationCase,
  patchSize: number[],
  overlap: number,
): Promise<{ masks: Record<string, Uint8Array>; aux?: Uint8Array }> {
  const p = await predictCase(model, layout, caseData, { patchSize, overlap });
  if (layout.mode === 'binary') return { masks: { [ARM_BINARY]: p.lesionMask.data } };
  const n = p.lesionMask.data.length;
  const perClass = Array.from({ length: layout.numClasses }, (_, c) => p.probabilities.subarray(c * n, (c + 1) * n));
  return {
    masks: {
      [ARM_BACKSPLIT]: p.lesionMask.data,
      [ARM_BACKSPLIT_SUM]: collapseToBinary(perClass, 'lesionBeatsBackgroundSum', { lesionClass: layout.lesionClass }),
    },
    aux: p.auxMap ? p.auxMap.data : undefined,
  };
}

/**
 * Evaluate a trained model on cases: one CaseResult per case and arm (binary;
 * or BackSplit with both collapse rules, plus its auxiliary-class Dice).
 */
export async function evaluateModelOnCases(
  model: SegmentationModel,
  layout: ClassLayout,
  cases: SegmentationCase[],
  config: TrainConfig,
  seed: number | null,
  onCase?: (index: number, id: string) => void,
): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    onCase?.(i, c.id);
    const { masks, aux } = await predictLesionMasks(model, layout, c, config.patchSize, config.inferenceOverlap);
    for (const [arm, mask] of Object.entries(masks)) {
      const evaluation = evaluateSegmentation({ data: mask, dims: c.lesion.dims, spacing: c.lesion.spacing }, c.lesion, {}, { pred: `${arm} ${c.id}`, ref: `${c.id} lesion` });
      const entry: CaseResult = { caseId: c.id, model: arm, seed, evaluation };
      if (aux && c.aux && arm === ARM_BACKSPLIT) {
        entry.auxiliary = perClassDice(aux, c.aux.data, (c.auxNames || []).map((name, k) => ({ id: k + 1, name })));
      }
      out.push(entry);
    }
  }
  return out;
}

function lossCurveOf(runDir: string): { curve: { step: number; loss: number }[]; seconds: number | null; sps: number | null } {
  const file = path.join(runDir, 'metrics.jsonl');
  const curve: { step: number; loss: number }[] = [];
  let seconds: number | null = null;
  let sps: number | null = null;
  if (!fs.existsSync(file)) return { curve, seconds, sps };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as { type: string; step: number; loss?: number; seconds?: number; trainStepsPerSecond?: number };
    if (m.type === 'train' && typeof m.loss === 'number') curve.push({ step: m.step, loss: m.loss });
    if (m.type === 'end') {
      seconds = m.seconds ?? null;
      sps = m.trainStepsPerSecond ?? null;
    }
  }
  return { curve, seconds, sps };
}

/** Run (or resume) the whole study. */
export async function runStudy(cfg: StudyConfig, log: Log = (l) => process.stdout.write(l + '\n')): Promise<StudyResults> {
  const t0 = Date.now();
  const backend = await initBackend({ backend: cfg.backend });
  log(`backend: ${backend.summary}`);
  fs.mkdirSync(cfg.runsDir, { recursive: true });

  const cases = loadStudyCases(cfg);
  const datasetHash = hashCases(cases);
  const byId = new Map(cases.map((c) => [c.id, c] as [string, SegmentationCase]));
  const splits = studySplits(cases.map((c) => c.id), cfg);
  log(`dataset: ${cases.length} cases (${cfg.dataset.kind}), sha256 ${datasetHash.slice(0, 12)}…; split ${splits.train.length} train / ${splits.val.length} validation / ${splits.test.length} test`);
  const studyFile = path.join(cfg.runsDir, 'study.json');
  const previous = readJson<{ datasetHash: string; splits: DatasetSplits; train: unknown }>(studyFile);
  if (previous && (previous.datasetHash !== datasetHash || JSON.stringify(previous.train) !== JSON.stringify(cfg.train))) {
    throw new Error(`study: ${cfg.runsDir} holds a study with another dataset or training settings; delete it or choose another --runs folder`);
  }
  writeFileAtomic(studyFile, JSON.stringify({ datasetHash, splits, train: cfg.train, seeds: cfg.seeds }, null, 2) + '\n');

  const trainCases = splits.train.map((id) => byId.get(id)!);
  const valCases = splits.val.map((id) => byId.get(id)!);
  const testCases = splits.test.map((id) => byId.get(id)!);
  const layouts = { binary: classLayout('binary', trainCases), backsplit: classLayout('backsplit', trainCases) } as Record<LabelMode, ClassLayout>;

  const runs: RunSummary[] = [];
  const results: CaseResult[] = [];
  const modes: LabelMode[] = ['binary', 'backsplit'];
  const total = cfg.seeds.length * modes.length;
  let index = 0;
  for (const seed of cfg.seeds) {
    for (const mode of modes) {
      index++;
      const runDir = path.join(cfg.runsDir, `${mode}-seed${seed}`);
      const config = studyRunConfig(cfg, mode, seed);
      const tag = `[${index}/${total}] ${mode} seed ${seed}`;
      let model: SegmentationModel;
      if (fs.existsSync(path.join(runDir, 'checkpoints', 'final.ckpt'))) {
        const prev = readJson<TrainConfig>(path.join(runDir, 'config.json'));
        if (!prev || JSON.stringify(prev) !== JSON.stringify(config)) {
          throw new Error(`study: ${runDir} was trained with other settings; delete it to retrain`);
        }
        model = loadRun(runDir).model;
        log(`${tag}: finished run found, reusing ${runDir}`);
      } else {
        log(`${tag}: training ${config.steps} steps (${config.model.family} ${config.model.channels.join('/')}, patch ${config.patchSize.join('×')}, batch ${config.batchSize})`);
        const bar = createProgressBar(process.stdout, { intervalSeconds: 15 });
        const res = await train({ config, trainCases, valCases, runDir, resume: true, onProgress: (p) => bar.update(p), backendReport: backend, datasetInfo: { hash: datasetHash, kind: cfg.dataset.kind } });
        bar.done();
        model = res.model;
        log(`${tag}: ${res.stepsPerSecond.toFixed(2)} steps/s`);
      }

      // Evaluation on the test cases (cached per run).
      const evalFile = path.join(runDir, 'test-evaluation.json');
      let caseResults = readJson<CaseResult[]>(evalFile);
      if (!caseResults) {
        caseResults = await evaluateModelOnCases(model, layouts[mode], testCases, config, seed);
        writeFileAtomic(evalFile, JSON.stringify(caseResults) + '\n');
      }
      results.push(...caseResults);
      const meanDice = caseResults.filter((r) => r.model !== ARM_BACKSPLIT_SUM).reduce((s, r) => s + r.evaluation.overlap.dice, 0) / testCases.length;
      log(`${tag}: test lesion Dice ${meanDice.toFixed(3)} (mean over ${testCases.length} cases)`);

      // Monte-Carlo Fisher of the trained model on test patches (cached per run).
      const fisherFile = path.join(runDir, 'fisher-mc.json');
      let fisher = readJson<FisherReport>(fisherFile);
      if (!fisher) {
        const prepared = testCases.map((c) => prepareCase(c, layouts[mode]));
        const patch = patch3(config.patchSize);
        const rng = new Random(1000 + seed).fork('fisher-patches');
        const batch = sampleBatch(prepared, patch, cfg.fisher.patches, 0.5, rng);
        const shape = config.patchSize.length === 2 ? [batch.batchSize, patch[1], patch[2], batch.channels] : [batch.batchSize, ...patch, batch.channels];
        const x = tf.tensor(batch.images, shape, 'float32');
        try {
          fisher = await fisherReport(
            { logits: (input) => model.apply(input, false) as tf.Tensor, variables: [...model.variables.values()], lesionClass: layouts[mode].lesionClass, numClasses: layouts[mode].numClasses },
            [{ x }],
            { kind: 'mc', samples: cfg.fisher.samples, seed },
          );
        } finally {
          x.dispose();
        }
        writeFileAtomic(fisherFile, JSON.stringify(fisher, null, 2) + '\n');
      }
      log(`${tag}: Monte-Carlo Fisher trace, multiclass Y ${fisher.y.trace.toExponential(3)}, lesion-vs-rest Z ${fisher.z.trace.toExponential(3)}`);
      const lc = lossCurveOf(runDir);
      runs.push({ mode, seed, runDir, lossCurve: lc.curve, trainSeconds: lc.seconds, stepsPerSecond: lc.sps, parameterCount: model.parameterCount(), fisher });
      model.dispose();
    }
  }
  return { config: cfg, backend, datasetHash, splits, layouts, runs, cases: results, seconds: (Date.now() - t0) / 1000 };
}
