/**
 * The protocol study (`reproduce`, the default): one study per protocol dataset (lib/study/config
 * protocolStudies), each with its own report folder, then the primary endpoint over all of them
 * together — Holm adjustment runs across the datasets of a test family, so it is computed once,
 * from every dataset's FROC candidates, and written to `<report root>/primary.json`, with the
 * forest plot and the generated conclusions beside it (./protocol-outputs). A protocol sweep's
 * collect (./sweep-exec) writes the same joint outputs from its finished runs through
 * {@link writeProtocolJointOutputs}.
 */
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';
import { StudyConfig } from './config';
import { pendingStudyRuns, RunStudyOptions, runStudy, StudyResults, studyPoolJobs } from './pipeline';
import { defaultStudyWorkers, forkPoolWorkers, PoolJob, PreloadedCases, runWorkerPool } from './pool';
import { buildPrimary, PrimaryInput, PrimaryResults } from './primary';
import { writeProtocolOutputs } from './protocol-outputs';
import type { ArmLearningCurves, StudyConclusions } from './conclusions';
import { armLearningCurves } from './report-protocol';
import { describeProtocol, loadProtocol } from './protocol';
import { buildSecondary, describeSecondary, SecondaryInput, SecondaryResults } from './secondary';
import { primaryEndpointLines, summarizeStudy, summaryTable, writeStudyReport, withSharedRenderer } from './report';

/**
 * The protocol's joint outputs over its datasets (what a protocol run and a protocol sweep's
 * collect write into their report root): the primary and secondary endpoints with Holm across
 * datasets, and where they went.
 */
export interface ProtocolJointOutputs {
  primary: PrimaryResults;
  /** The secondary endpoints over every dataset (also primary.json `secondary`). */
  secondary: SecondaryResults;
  /** The protocol line, one line per dataset and arm (describePrimary), then the secondary endpoints' lines (describeSecondary). */
  lines: string[];
  /** Where primary.json went. */
  primaryFile: string;
  /** "What this run can and cannot conclude" (also in conclusions.md beside primary.json). */
  conclusions: StudyConclusions;
  /** forest.html (+ forest.png), conclusions.md */
  outputFiles: string[];
  /**
   * Whether every (dataset, arm) with validation curves had settled and every seed had started
   * (lib/study/conclusions armConvergence); false when one had not, null without validation curves.
   */
  trainingSettled: boolean | null;
}

/** What {@link runProtocolStudies} returns. */
export interface ProtocolRunResult extends ProtocolJointOutputs {
  seconds: number;
}

/**
 * The joint outputs from each protocol dataset's study results (one study per dataset, each with
 * protocolDataset set and its runs' FROC candidates and secondary endpoints, every arm's seeds
 * paired): the primary endpoint over all of them (buildPrimary: Holm runs across the datasets of a
 * test family, so it is computed once), the secondary endpoints (buildSecondary), written with the
 * protocol's identity to `<root>/primary.json`, then the forest plot and the generated conclusions
 * (with the learning curves' convergence check) beside it (./protocol-outputs).
 * @param perDataset one entry per protocol dataset, in the protocol's order
 * @param root the report root (primary.json, forest.html, conclusions.md)
 * @throws Error when a study names no protocol dataset or two name the same one
 */
export async function writeProtocolJointOutputs(perDataset: readonly StudyResults[], root: string, log: (line: string) => void): Promise<ProtocolJointOutputs> {
  const loaded = loadProtocol();
  const input: PrimaryInput = {};
  const secondaryInput: SecondaryInput = {};
  const curves: ArmLearningCurves[] = [];
  for (const results of perDataset) {
    const dataset = results.config.protocolDataset;
    if (!dataset) throw new Error(`protocol outputs: the study in ${results.config.runsDir} names no protocol dataset (protocolDataset)`);
    if (dataset in input) throw new Error(`protocol outputs: two studies of dataset ${dataset} (one primary endpoint per dataset)`);
    input[dataset] = results.froc ?? {};
    secondaryInput[dataset] = results.secondary ?? {};
    if (results.config.train.steps !== undefined) curves.push(...armLearningCurves(dataset, results.runs, results.config.train.steps));
  }
  const primary = buildPrimary(input, loaded.protocol, loaded.sha256);
  const primaryFile = path.join(root, 'primary.json');
  const secondary = buildSecondary(secondaryInput, loaded.protocol);
  writeFileAtomic(primaryFile, JSON.stringify({ protocol: describeProtocol(loaded), primary, secondary }, null, 1) + '\n');
  const outputs = await writeProtocolOutputs(primary, loaded.protocol, root, describeProtocol(loaded), log, curves, secondary);
  const lines = [...primaryEndpointLines(primary, loaded), `secondary endpoints: ${secondary.description}`, ...describeSecondary(secondary, loaded.protocol)];
  return { primary, secondary, lines, primaryFile, conclusions: outputs.conclusions, outputFiles: outputs.files, trainingSettled: outputs.conclusions.trainingSettled };
}

/**
 * Run (or resume) every study, write each one's report, then the joint primary endpoint and the
 * secondary endpoints (Holm over every dataset of each family) into primary.json
 * ({@link writeProtocolJointOutputs}).
 * @param studies one study per protocol dataset (each with protocolDataset set and its own runs/report folders)
 * @param reportRoot where primary.json goes (default: the parent of the first study's report folder)
 * @example const r = await runProtocolStudies(protocolStudies('quick'), console.log); r.lines.forEach((l) => console.log(l));
 */
export async function runProtocolStudies(
  studies: readonly StudyConfig[],
  log: (line: string) => void,
  opts: RunStudyOptions & { reportRoot?: string } = {},
): Promise<ProtocolRunResult> {
  // one Chromium for every report and figure of the run
  return withSharedRenderer(async () => {
    const t0 = Date.now();
    const missing = studies.filter((s) => !s.protocolDataset);
    if (missing.length) throw new Error(`protocol study: ${missing.map((s) => s.runsDir).join(', ')} name no protocol dataset (protocolDataset)`);
    log(`protocol: ${describeProtocol(loadProtocol())}`);
    // Every dataset's runs still to do go to one worker pool, so no worker waits while a dataset's
    // report is written or the next dataset is loaded; each study then finds its runs done.
    // the runs still to do are known from their folders alone, so the pool's workers can start
    // (compile the library, load tfjs) while this process loads or generates the datasets
    const pending = studies.reduce((n, cfg) => n + pendingStudyRuns(cfg).length, 0);
    const workers = opts.workers ?? defaultStudyWorkers(pending, studies[0]?.backend);
    const started = workers > 1 && pending > 1 ? forkPoolWorkers(workers) : undefined;
    const prepared: PreloadedCases[] = [];
    const jobs: PoolJob[] = [];
    try {
      for (const cfg of studies) {
        log(`— ${cfg.protocolDataset}: ${cfg.seeds.length} seed(s), runs in ${cfg.runsDir}/, report in ${cfg.reportDir}/`);
        const p = await studyPoolJobs(cfg, log);
        prepared.push(p.preloaded);
        jobs.push(...p.jobs);
      }
    } catch (e) {
      await started?.stop();
      throw e;
    }
    const pooled = workers > 1 && jobs.length > 1;
    if (pooled) {
      // the pool is nearly all the work: its fraction stands for the run's, the reports take the rest
      const onFraction = opts.onFraction && ((f: number, detail: string) => opts.onFraction!(0.97 * f, detail));
      await runWorkerPool(jobs, { workers, log, what: 'protocol study', ...(started ? { started } : {}), ...(onFraction ? { onFraction } : {}) });
    } else {
      await started?.stop();
    }
    const perDataset: StudyResults[] = [];
    for (const [i, cfg] of studies.entries()) {
      const dataset = cfg.protocolDataset!;
      // one fraction over all the datasets (each study reports its own from 0 to 1); after the pool only the reports remain
      const onFraction = opts.onFraction && ((f: number, detail: string) => opts.onFraction!(pooled ? 0.97 + (0.03 * (i + f)) / studies.length : (i + f) / studies.length, `${dataset}: ${detail}`));
      const results = await runStudy(cfg, log, { ...opts, workers, preloaded: prepared[i], onFraction });
      const summary = summarizeStudy(results);
      await writeStudyReport(results, summary, cfg.reportDir, log);
      log(summaryTable(summary));
      perDataset.push(results);
    }
    const joint = await writeProtocolJointOutputs(perDataset, opts.reportRoot ?? path.dirname(studies[0].reportDir), log);
    return { ...joint, seconds: (Date.now() - t0) / 1000 };
  });
}
