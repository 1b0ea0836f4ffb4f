/**
 * `backsplit reproduce` (npm run reproduce): the whole study on the embedded
 * dataset or a user's manifest, resumable, ending with a report folder and a
 * summary table printed to the terminal.
 */
import * as path from 'path';
import { BACKEND_FLAG, Command, parseArgs, positiveIntFlag, UsageError } from '../args';
import { emidecStudy, protocolStudies, studyPreset, StudyConfig, StudyPreset } from '../../study/config';
import { runProtocolStudies } from '../../study/protocol-run';
import { runStudy } from '../../study/pipeline';
import { extraArms, primaryLines, summarizeStudy, summaryTable, writeStudyReport } from '../../study/report';

const USAGE = `usage: backsplit reproduce [--quick | --full] [--dataset <manifest.json> | colin | emidec:<folder>] [--seeds 0,1,2] [--steps N]
                          [--runs <dir>] [--out <dir>] [--backend webgpu|tfjs-node-gpu|tfjs-node|wasm|cpu] [--workers N]
       backsplit reproduce --protocol [--quick | --full] [--seeds 0,1,…] [--workers N]

Generates the embedded dataset (or loads --dataset), trains binary and BackSplit models with identical
settings for each seed, evaluates them on held-out test cases, estimates Monte-Carlo Fisher traces, and
writes a report folder (report.html, results.csv, results.json, comparisons.csv, PNG figures when
Chromium is installed). Rerunning reuses finished runs.

  --quick     smoke run (1 seed, small network, ~2 min on 2 CPU cores); runs/study-quick, report-quick/
  --full      longer runs for a GPU (5 seeds, 2000 steps); runs/study-full, report-full/
  --dataset   a dataset manifest (lib/data; e.g. written by notebook 06 for an MSD folder),
              'colin' for the semi-synthetic brain set on Debian's mricron-data, or
              'emidec:<folder>' for EMIDEC cardiac MRI (raw PNG slices or NIfTI cases, imported on the
              fly into build/cache/, or a folder from 'backsplit import emidec'): 3 seeds × 1500 steps,
              ≤ 45 min on 2 CPU cores (--quick: ≤ 5 min); runs/study-emidec, report-emidec/
  (default)   3 seeds, 250 steps, ≤ 10 min on 2 CPU cores; runs/study, report/
  --protocol  the protocol study (docs/protocol.md): mechanism-positive and null synthetic datasets, each seed
              with its own training cases from a pool, 100 test cases, the primary endpoint (small-lesion
              FROC pAUC) with intervals, seed-level tests and Holm; runs/protocol/, report-protocol/
              (primary.json + one report per dataset). 4 seeds by default (the protocol asks for ≥ 10)
  --protocol --full  the protocol's full design, meant for a cluster: all 8 arms of protocol.json, its planned
              12 seeds and the three synthetic datasets (mechanism-positive, null, current);
              runs/protocol-full/, report-protocol-full/ (96 runs per dataset: one machine is not enough)
  --workers   runs trained side by side, each in its own process with cores/N wasm threads (throughput
              mode; default: one per core on wasm/cpu, 1 with a GPU or native backend); 1 = one run after
              another with every core`;

function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new UsageError(`--seeds needs comma-separated non-negative integers, got '${text}'`);
  return seeds;
}

function emidecFolder(value: string): string {
  const folder = value.slice('emidec:'.length);
  if (!folder) throw new UsageError("--dataset emidec:<folder> needs the EMIDEC folder, e.g. --dataset emidec:../shared/data/emidec-lge");
  return path.resolve(folder);
}

/** The study configuration of `reproduce`'s flags. */
export function studyConfigFromArgs(argv: string[]): StudyConfig {
  return reproduceArgs(argv).cfg;
}

/** `reproduce`'s flags: the study configuration and the number of worker processes (undefined: the study's default). */
export function reproduceArgs(argv: string[]): { cfg: StudyConfig; workers?: number } {
  const { flags } = parseArgs(
    argv,
    {
      quick: { type: 'boolean' },
      full: { type: 'boolean' },
      dataset: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'number' },
      runs: { type: 'string' },
      out: { type: 'string' },
      backend: BACKEND_FLAG,
      workers: { type: 'number' },
      protocol: { type: 'boolean' },
    },
    0,
  );
  if (flags.quick && flags.full) throw new UsageError('choose one of --quick and --full');
  const preset: StudyPreset = flags.quick ? 'quick' : flags.full ? 'full' : 'default';
  const dataset = flags.dataset as string | undefined;
  const emidec = dataset?.startsWith('emidec:') ? emidecFolder(dataset) : null;
  const cfg = emidec ? emidecStudy(preset, emidec) : studyPreset(preset);
  if (dataset === 'colin') {
    // The semi-synthetic brain set on Debian's mricron-data (Colin27 T1 + AAL/tissue classes).
    cfg.dataset = { kind: 'colin', cases: 16, seed: 0 };
    cfg.split = { seed: 0, train: 11, validation: 0, test: 5 };
    cfg.runsDir = `${cfg.runsDir}-colin`;
    cfg.reportDir = `${cfg.reportDir}-colin`;
  } else if (dataset && !emidec) {
    cfg.dataset = { kind: 'manifest', path: path.resolve(dataset) };
    cfg.runsDir = `${cfg.runsDir}-${path.basename(dataset, '.json')}`;
  }
  if (flags.seeds) cfg.seeds = parseSeeds(flags.seeds as string);
  if (flags.steps !== undefined) {
    const steps = flags.steps as number;
    if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps needs a positive integer, got ${steps}`);
    cfg.train = { ...cfg.train, steps };
  }
  if (flags.runs) cfg.runsDir = flags.runs as string;
  if (flags.out) cfg.reportDir = flags.out as string;
  if (flags.backend) cfg.backend = flags.backend as string;
  return { cfg, workers: positiveIntFlag(flags.workers, 'workers') };
}

/**
 * `reproduce --protocol [--quick | --full] [--seeds …] [--workers N] [--backend …]`: the protocol
 * studies (lib/study/config protocolStudies) of those flags and the number of worker processes.
 * @example protocolArgs(['--protocol', '--full']).studies.length // 3
 */
export function protocolArgs(argv: string[]): { studies: StudyConfig[]; workers?: number } {
  const { flags } = parseArgs(argv, { protocol: { type: 'boolean' }, quick: { type: 'boolean' }, full: { type: 'boolean' }, seeds: { type: 'string' }, workers: { type: 'number' }, backend: BACKEND_FLAG }, 0);
  if (flags.quick && flags.full) throw new UsageError('choose one of --quick and --full');
  const workers = positiveIntFlag(flags.workers, 'workers');
  const studies = protocolStudies(flags.quick ? 'quick' : flags.full ? 'full' : 'default').map((s) => ({
    ...s,
    ...(flags.seeds ? { seeds: parseSeeds(flags.seeds as string) } : {}),
    ...(flags.backend ? { backend: flags.backend as string } : {}),
  }));
  return { studies, workers };
}

async function runProtocol(argv: string[]): Promise<number> {
  const { studies, workers } = protocolArgs(argv);
  const log = (l: string) => process.stdout.write(l + '\n');
  const r = await runProtocolStudies(studies, log, { workers });
  log('');
  for (const line of r.lines) log(line);
  log(`primary endpoint: ${r.primaryFile}; total time ${r.seconds.toFixed(0)} s`);
  return 0;
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: 'run the binary vs BackSplit study end to end and write a report',
  usage: USAGE,
  async run(argv) {
    if (argv.includes('--protocol')) return runProtocol(argv);
    const { cfg, workers } = reproduceArgs(argv);
    const log = (l: string) => process.stdout.write(l + '\n');
    log(`BackSplit study, preset '${cfg.preset}': runs in ${cfg.runsDir}/, report in ${cfg.reportDir}/`);
    const results = await runStudy(cfg, log, { workers });
    const summary = summarizeStudy(results);
    const files = await writeStudyReport(results, summary, cfg.reportDir, log);
    log('');
    log(`Lesion metrics on ${results.splits.test.length} test cases × ${cfg.seeds.length} seed(s); pairs = test cases (seeds averaged); 95% bootstrap CI of the mean difference; two-sided Wilcoxon signed-rank:`);
    log(summaryTable(summary));
    for (const arm of extraArms(results)) log(`\n${summaryTable(summary, arm)}`);
    for (const line of primaryLines(summary)) log(line);
    log('');
    log(`report: ${path.join(cfg.reportDir, 'report.html')} (+ ${files.filter((f) => f !== 'report.html').join(', ')})`);
    log(`total time ${results.seconds.toFixed(0)} s`);
    return 0;
  },
};
