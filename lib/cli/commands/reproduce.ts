/**
 * `backsplit reproduce` (npm run reproduce): by default the protocol study (docs/protocol.md) on
 * the embedded mechanism-positive and null sets, binary vs BackSplit, ending with the primary
 * endpoint and what the run can and cannot conclude; `--study` or `--dataset` run the earlier
 * binary-vs-BackSplit study (on the embedded set or a user's data). Resumable; every preset ends
 * with report folders and a summary printed to the terminal.
 */
import * as path from 'path';
import { BACKEND_FLAG, Command, parseArgs, positiveIntFlag, UsageError } from '../args';
import { requireEmidecFolder } from '../../data/emidec';
import { DEFAULT_PRESET_LEARNING_RATE, emidecStudy, protocolEmidecStudy, ProtocolPreset, protocolStudies, studyPreset, StudyConfig, StudyPreset } from '../../study/config';
import { runProtocolStudies } from '../../study/protocol-run';
import { runStudy } from '../../study/pipeline';
import { extraArms, primaryLines, summarizeStudy, summaryTable, writeStudyReport } from '../../study/report';

const USAGE = `usage: backsplit reproduce [--quick | --long | --full] [--emidec <folder>] [--seeds 0,1,…] [--workers N] [--backend …]
       backsplit reproduce --study [--quick | --full] [--seeds 0,1,2] [--steps N] [--runs <dir>] [--out <dir>] [--workers N] [--backend …]
       backsplit reproduce --dataset <manifest.json> | colin | emidec:<folder> [--quick | --full] [same flags as --study]

The protocol study (docs/protocol.md, protocol.json): on the embedded mechanism-positive and null
synthetic sets, binary and BackSplit train with identical settings per seed, each seed on its own
training cases drawn from a pool; every run is scored on 100 fixed test cases by the primary
endpoint (small-lesion FROC partial AUC to 4 FP/case on p(lesion)), with per-seed effects, a
hierarchical bootstrap CI, a seed-level sign-flip test, Holm, a power line and a generated
"what this run can and cannot conclude". Writes report-protocol*/ (primary.json, forest plot,
conclusions.md, one report folder per dataset). Rerunning reuses finished runs.

  (default)  3 seeds × 250 steps at the learning rate ${DEFAULT_PRESET_LEARNING_RATE} (its pilot's choice,
             docs/protocol.md amendment 2026-12-03b), ≤ 10 min on 2 CPU cores: the protocol end
             to end; too short to conclude (the learning curves are still rising), and its
             conclusions say so;
             runs/protocol/, report-protocol/
  --quick    smoke run of the machinery (2 seeds × 20 steps, 12 test cases; not evidence); report-protocol-quick/
  --long     the run that can conclude: the protocol's 12 planned seeds × 6000 steps at 2e-3 (protocol
             v2's budget, shown past the plateau by its pilot); about 8 hours on 2 quiet CPU cores, so a
             cluster job (backsplit sweep), resumable; runs/protocol-long/, report-protocol-long/
             (runs of protocol v1's 1500-step budget there are refused: move them aside)
  --full     the protocol's full design, for a cluster (backsplit sweep): all 8 arms of protocol.json,
             12 seeds, three synthetic sets (mechanism-positive, null, current) at the --long budget;
             runs/protocol-full/, report-protocol-full/
  --emidec   the protocol's EMIDEC study besides the synthetic sets (raw PNG slices or NIfTI cases, or
             a folder from 'backsplit import emidec'): the frozen split of 48 training / 8 validation /
             24 test patients, with the preset's seeds, arms and budget; runs/protocol*/emidec. With
             --long or --full and without it, EMIDEC is left out (a line says so)
  --study    the earlier study on the embedded set (binary vs BackSplit, 3 seeds × 250 steps, 8 test
             cases; --quick 1 seed, --full 5 seeds × 2000 steps); runs/study*, report*/. Notebooks 03
             and 05 use its settings.
  --dataset  the same study on a dataset manifest (lib/data; e.g. written by notebook 06 for an MSD
             folder), 'colin' (semi-synthetic brain set on Debian's mricron-data) or 'emidec:<folder>'
             (EMIDEC cardiac MRI, raw PNG slices or NIfTI cases, imported on the fly into build/cache/,
             or a folder from 'backsplit import emidec': 3 seeds × 1500 steps, ≤ 45 min on 2 CPU
             cores; --quick ≤ 5 min; runs/study-emidec, report-emidec/)
  --workers  runs trained side by side, each in its own process with cores/N wasm threads (throughput
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
      study: { type: 'boolean' },
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
 * `reproduce [--quick | --long | --full] [--emidec <folder>] [--seeds …] [--workers N] [--backend …]`:
 * the protocol studies (lib/study/config protocolStudies) of those flags, with the protocol's EMIDEC
 * study (protocolEmidecStudy) after them when `--emidec` gives its folder, the number of worker
 * processes, and notes to print (for `--long` and `--full` without `--emidec`: EMIDEC is left out,
 * and how to include it). `--protocol` is accepted and changes nothing (the protocol is the default).
 * @throws Error naming the folder when `--emidec` holds no EMIDEC data (before anything runs)
 * @example protocolArgs(['--full']).studies.length // 3
 */
export function protocolArgs(argv: string[]): { studies: StudyConfig[]; workers?: number; notes: string[] } {
  const { flags } = parseArgs(argv, { protocol: { type: 'boolean' }, quick: { type: 'boolean' }, long: { type: 'boolean' }, full: { type: 'boolean' }, emidec: { type: 'string' }, seeds: { type: 'string' }, workers: { type: 'number' }, backend: BACKEND_FLAG }, 0);
  if ([flags.quick, flags.long, flags.full].filter(Boolean).length > 1) throw new UsageError('choose one of --quick, --long and --full');
  const preset: ProtocolPreset = flags.quick ? 'quick' : flags.long ? 'long' : flags.full ? 'full' : 'default';
  const workers = positiveIntFlag(flags.workers, 'workers');
  const notes: string[] = [];
  const base = protocolStudies(preset);
  if (flags.emidec !== undefined) {
    if (flags.emidec === '') throw new UsageError('--emidec needs the EMIDEC folder, e.g. --emidec ../shared/data/emidec-lge');
    base.push(protocolEmidecStudy(preset, requireEmidecFolder(flags.emidec as string, '--emidec')));
  } else if (preset === 'long' || preset === 'full') {
    notes.push(`EMIDEC (the protocol's real dataset) is left out: add --emidec <folder> (e.g. --emidec ../shared/data/emidec-lge) to run its study (runs/protocol-${preset}/emidec) with the others`);
  }
  const studies = base.map((s) => ({
    ...s,
    ...(flags.seeds ? { seeds: parseSeeds(flags.seeds as string) } : {}),
    ...(flags.backend ? { backend: flags.backend as string } : {}),
  }));
  return { studies, workers, notes };
}

async function runProtocol(argv: string[]): Promise<number> {
  const { studies, workers, notes } = protocolArgs(argv);
  const log = (l: string) => process.stdout.write(l + '\n');
  for (const note of notes) log(note);
  const r = await runProtocolStudies(studies, log, { workers });
  log('');
  for (const line of r.lines) log(line);
  if (r.trainingSettled === false) {
    log(`training had not settled (validation learning curves): these verdicts describe models after ${[...new Set(studies.map((s) => s.train.steps))].join('/')} steps, not what the arms reach, and none bears on the claim (${path.join(path.dirname(r.primaryFile), 'conclusions.md')})`);
  }
  log(`primary endpoint: ${r.primaryFile}; total time ${r.seconds.toFixed(0)} s`);
  return 0;
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: 'run the protocol study (binary vs BackSplit, primary endpoint, conclusions) end to end and write its reports',
  usage: USAGE,
  async run(argv) {
    if (!argv.includes('--study') && !argv.some((a) => a === '--dataset' || a.startsWith('--dataset='))) return runProtocol(argv);
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
