/**
 * `backsplit fisher --run <dir> [--samples N] [--kind mc|exact|empirical] [--json]`:
 * Fisher-information traces of a trained run's network under its multiclass
 * likelihood (Y) and the lesion-vs-rest likelihood (Z) at the same weights,
 * total and per variable, on patches cut from the run's validation cases.
 *
 * With --json it prints one JSON object: lib/fisher's FisherReport (kind,
 * description, backend, y/z traces, traceRatio, ...) plus `run` (folder, mode,
 * checkpoint step) and `patches` (how the inputs were chosen).
 *
 * `backsplit fisher --run <dir> --lesion-functional [--functional lesion-mean|voxel|volume]
 * [--solver cg|exact] [--damping D | --lambda L] [--cg-tol T] [--cg-iters N] [--subspace R] [--json]`
 * instead prints the Cramér–Rao quantity ∇gᵀ(F + λI)⁻¹∇g of a lesion functional g of
 * the patches under F_Y and F_Z at the same weights (lib/study/fisher-lesion.ts); with
 * --json one object with `run`, `patches` and `lesion_functional: {Y, Z, ratio, functional, ...}`.
 *
 * `backsplit fisher --seed-variance --runs <study runs dir> [--shell-mm MM] [--no-cramer-rao] [--json]`
 * predicts the study's test cases with every seed's run of each arm and prints the across-seed
 * variance of the lesion maps, the ratio binary / BackSplit and the Cramér–Rao ratio of the
 * BackSplit runs beside it (lib/study/seed-variance.ts); with --json one object with `runs` and
 * `seed_variance: {arms: {binary, backsplit}, ratio, cramer_rao_ratio, ...}`.
 */
import { Command, parseArgs, UsageError, BACKEND_FLAG, flagHelp } from '../args';
import { initBackend } from '../../backend/select';
import { loadRunModel, openRun } from '../../run/open';
import { modelFisher, tracesByLayer } from '../../study/fisher';
import { runPatches } from '../../study/fisher-runs';
import { LESION_FUNCTIONALS, LesionFunctionalReport, modelLesionFunctional, ModelLesionOptions } from '../../study/fisher-lesion';
import type { FisherReport, ReportKind } from '../../fisher/report';
import type { LesionFunctionalKind } from '../../fisher/network-lesion';
import type { RunFolder, RunModel } from '../../run/open';
import type { FisherPatches } from '../../study/fisher';
import { findSeedRuns, formatSeedVariance, seedVariance, SeedVarianceReport, studyTestCases, studyTrainingSets } from '../../study/seed-variance';

const specs = {
  run: { type: 'string' as const, description: 'training run folder (config.json, meta.json, checkpoints/); required except with --seed-variance' },
  kind: { type: 'string' as const, description: "mc (Monte-Carlo, default) | exact (tiny models only) | empirical (NOT a Fisher estimate)" },
  samples: { type: 'number' as const, description: 'label samples per patch for --kind mc (default 2)' },
  patches: { type: 'number' as const, description: 'number of evaluation patches (default 16)' },
  seed: { type: 'number' as const, description: 'seed of the patch positions and label samples (default 0)' },
  step: { type: 'number' as const, description: 'checkpoint step (default: the final / newest checkpoint; 0 = initial weights)' },
  backend: BACKEND_FLAG,
  json: { type: 'boolean' as const, description: 'print one JSON object instead of a summary' },
  'lesion-functional': { type: 'boolean' as const, description: 'Cramér–Rao quantity of a lesion functional under F_Y and F_Z instead of traces' },
  functional: { type: 'string' as const, description: 'with --lesion-functional: lesion-mean (default: mean ψ over the reference lesion voxels) | voxel | volume' },
  solver: { type: 'string' as const, description: 'with --lesion-functional: cg (matrix-free, default) | exact (dense, tiny models only)' },
  damping: { type: 'number' as const, description: 'with --lesion-functional: λ = damping × tr(F_Y)/P (default 1e-4)' },
  lambda: { type: 'number' as const, description: 'with --lesion-functional: an absolute λ instead of --damping' },
  'cg-tol': { type: 'number' as const, description: 'with --lesion-functional: CG relative residual tolerance (default 1e-3)' },
  'cg-iters': { type: 'number' as const, description: 'with --lesion-functional: CG iterations at most per likelihood (default 100)' },
  'cg-bracket': { type: 'number' as const, description: "with --lesion-functional: also stop a likelihood's CG when its lower and upper bounds agree to this relative width (e.g. 0.05; default: never)" },
  subspace: { type: 'number' as const, description: 'with --lesion-functional --solver cg: dimension of the subspace for generalised eigenvalues (default 4; 0 = none)' },
  'seed-variance': { type: 'boolean' as const, description: "across-seed variance of the lesion maps of a study's runs per arm, next to the Cramér–Rao ratio" },
  runs: { type: 'string' as const, description: 'with --seed-variance: the study runs folder (study.json, binary-seed<N>/, backsplit-seed<N>/)' },
  'shell-mm': { type: 'number' as const, description: 'with --seed-variance: width of the background shell around the reference lesions, mm (default 5)' },
  'no-cramer-rao': { type: 'boolean' as const, description: 'with --seed-variance: leave out the Cramér–Rao side (CG on every BackSplit run)' },
};

/** What `fisher --json` prints. */
export interface FisherCommandJson extends FisherReport {
  run: { dir: string; mode: string; step: number; classNames: string[] };
  patches: { count: number; patchSize: number[]; seed: number; source: 'validation' | 'training'; lesionFraction: number };
}

function positiveInt(v: unknown, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`--${flag} must be a positive integer, got ${String(v)}`);
  return v;
}

/** What `fisher --lesion-functional --json` prints. */
export interface LesionFunctionalJson {
  run: FisherCommandJson['run'];
  patches: FisherCommandJson['patches'];
  lesion_functional: LesionFunctionalReport;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

function humanSummary(out: FisherCommandJson): string {
  const se = (t: { traceStdError?: number }) => (t.traceStdError !== undefined ? ` ± ${fmt(t.traceStdError)}` : '');
  const zByLayer = new Map(tracesByLayer(out.z.perLayer).map((l) => [l.name, l.trace]));
  const lines = [
    `run:        ${out.run.dir} (${out.run.mode}, ${out.numClasses} classes, step ${out.run.step})`,
    `kind:       ${out.description}`,
    `inputs:     ${out.patches.count} patches [${out.patches.patchSize}] from the ${out.patches.source} cases (seed ${out.patches.seed}), lesion share ${fmt(out.patches.lesionFraction)}`,
    `backend:    ${out.backend}, ${out.numParams} parameters, ${out.seconds.toFixed(1)} s`,
    `trace F_Y:  ${fmt(out.y.trace)}${se(out.y)}   (multiclass labels)`,
    `trace F_Z:  ${fmt(out.z.trace)}${se(out.z)}   (lesion vs rest)`,
    `tr ratio:   ${fmt(out.traceRatio)}${out.numClasses === 2 ? '   (2 classes: Z is Y)' : '   (trace F_Y / trace F_Z: depends on the parameterisation)'}`,
    ...(out.pencil
      ? [`invariant:  generalised eigenvalues of (F_Y, F_Z) on the ${out.pencil.subspace}: largest ${fmt(out.pencil.largest)}, smallest ${fmt(out.pencil.smallest)}, log det ratio ${fmt(out.pencil.logDetRatio)}`]
      : []),
    '',
    'per layer (trace F_Y, trace F_Z):',
    ...tracesByLayer(out.y.perLayer).map((l) => `  ${l.name.padEnd(24)} ${fmt(l.trace).padStart(11)} ${fmt(zByLayer.get(l.name) ?? NaN).padStart(11)}`),
  ];
  if (out.kind === 'empirical') lines.push('', 'note: the empirical Fisher uses the observed labels; it is not an estimate of the Fisher information.');
  return lines.join('\n');
}

function lesionSummary(out: LesionFunctionalJson): string {
  const r = out.lesion_functional;
  const lines = [
    `run:        ${out.run.dir} (${out.run.mode}, ${r.numClasses} classes, step ${out.run.step})`,
    `inputs:     ${out.patches.count} patches [${out.patches.patchSize}] from the ${out.patches.source} cases (seed ${out.patches.seed}), lesion share ${fmt(out.patches.lesionFraction)}`,
    `functional: ${r.functional} = ${fmt(r.value)}`,
    `damping:    λ = ${fmt(r.lambda)} (${r.lambdaRule})`,
    `solver:     ${r.solver.method}` +
      ('iterations' in r.solver ? `; tolerance ${r.solver.tolerance}, iterations Y ${r.solver.iterations.Y} / Z ${r.solver.iterations.Z}, residual Y ${fmt(r.solver.relativeResidual.Y)} / Z ${fmt(r.solver.relativeResidual.Z)}, stopped on ${r.solver.stopReason.Y} / ${r.solver.stopReason.Z}` : ''),
    `∇gᵀ(F_Y+λI)⁻¹∇g: ${fmt(r.Y)}   (multiclass labels)`,
    `∇gᵀ(F_Z+λI)⁻¹∇g: ${fmt(r.Z)}   (lesion vs rest)`,
    `ratio Z / Y:      ${fmt(r.ratio)}${r.numClasses === 2 ? '   (2 classes: Z is Y)' : '   (≥ 1 by F_Y ⪰ F_Z: its size is the finding)'}`,
    ...(r.bounds
      ? [
          `bounds:           Y in [${fmt(r.bounds.Y[0])}, ${fmt(r.bounds.Y[1])}], Z in [${fmt(r.bounds.Z[0])}, ${fmt(r.bounds.Z[1])}], ratio in [${fmt(r.bounds.ratio[0])}, ${fmt(r.bounds.ratio[1])}]`,
          '                  (CG\'s value and the Gauss–Radau upper bound with node λ: the solver\'s error, in exact arithmetic; not the sampling error of the patches)',
        ]
      : []),
  ];
  if (r.pencil) lines.push(`invariant:  generalised eigenvalues of (F_Y, F_Z) on the ${r.pencil.subspace}: largest ${fmt(r.pencil.largest)}, smallest ${fmt(r.pencil.smallest)}, log det ratio ${fmt(r.pencil.logDetRatio)}`);
  if ('stopReason' in r.solver && (r.solver.stopReason.Y === 'max-iterations' || r.solver.stopReason.Z === 'max-iterations')) {
    lines.push('warning: CG stopped at its iteration cap before either stopping rule held; raise --cg-iters or --damping');
  }
  return lines.join('\n');
}

function lesionOptions(flags: Record<string, unknown>): ModelLesionOptions {
  const functional = (flags.functional ?? 'lesion-mean') as LesionFunctionalKind;
  if (!LESION_FUNCTIONALS.includes(functional)) throw new UsageError(`--functional must be one of ${LESION_FUNCTIONALS.join(', ')}, got '${functional}'`);
  const solver = (flags.solver ?? 'cg') as string;
  if (solver !== 'cg' && solver !== 'exact') throw new UsageError(`--solver must be cg or exact, got '${solver}'`);
  for (const f of ['damping', 'cg-tol', 'cg-bracket'] as const) if (flags[f] !== undefined && !((flags[f] as number) > 0)) throw new UsageError(`--${f} must be > 0, got ${String(flags[f])}`);
  if (flags.lambda !== undefined && !((flags.lambda as number) >= 0)) throw new UsageError(`--lambda must be >= 0, got ${String(flags.lambda)}`);
  const subspace = flags.subspace === undefined ? 4 : (flags.subspace as number);
  if (!Number.isInteger(subspace) || subspace < 0) throw new UsageError(`--subspace must be a non-negative integer, got ${subspace}`);
  return {
    functional,
    solver,
    damping: flags.damping as number | undefined,
    lambda: flags.lambda as number | undefined,
    tolerance: flags['cg-tol'] as number | undefined,
    maxIterations: positiveInt(flags['cg-iters'], 'cg-iters', 100),
    ...(flags['cg-bracket'] !== undefined ? { bracketTolerance: flags['cg-bracket'] as number } : {}),
    subspaceDimension: solver === 'cg' ? subspace : 0,
    seed: (flags.seed as number | undefined) ?? 0,
  };
}

/** What `fisher --seed-variance --json` prints. */
export interface SeedVarianceJson {
  runs: string;
  seed_variance: SeedVarianceReport;
}

async function runSeedVariance(flags: Record<string, unknown>): Promise<number> {
  if (flags.run !== undefined) throw new UsageError('--seed-variance reads a study runs folder: give --runs <dir>, not --run');
  if (typeof flags.runs !== 'string') throw new UsageError('--seed-variance needs --runs <study runs folder>');
  const shellMm = flags['shell-mm'] === undefined ? 5 : (flags['shell-mm'] as number);
  if (!(shellMm >= 0)) throw new UsageError(`--shell-mm must be >= 0, got ${shellMm}`);
  const lesion = flags['no-cramer-rao'] ? null : lesionOptions({ subspace: 0, ...flags });
  const count = positiveInt(flags.patches, 'patches', 8);
  const runs = findSeedRuns(flags.runs);
  const report = await initBackend({ backend: typeof flags.backend === 'string' ? flags.backend : undefined });
  process.stderr.write(`${report.summary}\n`);
  const cases = studyTestCases(flags.runs, runs);
  const log = (line: string) => process.stderr.write(line + '\n');
  const rep = await seedVariance(runs, cases, {
    shellMm,
    cramerRao: lesion ? { ...lesion, patches: count, patchSeed: lesion.seed } : false,
    log,
    trainingSets: studyTrainingSets(flags.runs),
  });
  const out: SeedVarianceJson = { runs: flags.runs, seed_variance: rep };
  process.stdout.write((flags.json ? JSON.stringify(out, null, 2) : formatSeedVariance(rep)) + '\n');
  return 0;
}

async function runLesionFunctional(flags: Record<string, unknown>, opts: ModelLesionOptions, run: RunFolder, arm: RunModel, patches: FisherPatches, inputs: FisherCommandJson['patches']): Promise<void> {
  // progress on stderr, with --json too (stdout carries only the JSON): every 10 products, where CG stands
  const t0 = Date.now();
  opts.onIteration = (lik, it, state) => {
    if (it % 10 !== 0) return;
    process.stderr.write(`fisher: CG ${lik}, ${it} Fisher-vector products, ∇gᵀ(F_${lik}+λI)⁻¹∇g in [${fmt(state.quadratic)}, ${fmt(state.upper)}], ` +
      `residual ${fmt(state.relativeResidual)}, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  };
  const rep = await modelLesionFunctional(arm, patches, opts);
  const out: LesionFunctionalJson = { run: { dir: run.runDir, mode: arm.layout.mode, step: arm.step, classNames: arm.layout.classNames }, patches: inputs, lesion_functional: rep };
  process.stdout.write((flags.json ? JSON.stringify(out, null, 2) : lesionSummary(out)) + '\n');
}

export const fisherCommand: Command = {
  name: 'fisher',
  summary: 'Fisher-information traces of a trained run, multiclass (Y) vs lesion-vs-rest (Z)',
  usage: [
    'usage: backsplit fisher --run <dir> [--kind mc|exact|empirical] [--samples N] [--patches N]',
    '                        [--seed N] [--step N] [--backend <name>] [--json]',
    '       backsplit fisher --run <dir> --lesion-functional [--functional lesion-mean|voxel|volume]',
    '                        [--solver cg|exact] [--damping D | --lambda L] [--cg-tol T] [--cg-iters N] [--cg-bracket W]',
    '                        [--subspace R] [--patches N] [--seed N] [--step N] [--backend <name>] [--json]',
    '       backsplit fisher --seed-variance --runs <study runs dir> [--shell-mm MM] [--no-cramer-rao]',
    '                        [--functional lesion-mean|volume] [--cg-iters N] [--cg-bracket W] [--damping D] [--patches N] [--seed N] [--json]',
    '',
    ...flagHelp(specs),
    '',
    'Traces are of the Fisher of one whole patch (all voxels), averaged over patches.',
    'For a binary run (2 classes) Y and Z coincide.',
    'The trace ratio depends on the parameterisation; the generalised eigenvalues do not.',
    '--lesion-functional: ∇gᵀ(F + λI)⁻¹∇g for g = the mean lesion log-odds ψ over the reference lesion',
    'voxels of the patches (or ψ at one voxel, or the predicted volume), F = exact Fisher per patch;',
    'never larger under F_Y, so the ratio Z / Y is the measurement.',
    "--seed-variance: per arm, the across-seed variance of p(lesion) and ψ on the study's test cases (per voxel over",
    'lesion, shell and all voxels; per reference lesion for mean ψ and predicted volume), the ratio binary / BackSplit',
    'with a case bootstrap and an F interval on the seeds, and the Cramér–Rao ratio Z / Y of the BackSplit runs',
    '(cached in each run folder as fisher-lesion.json). When the seeds share one training set this is optimisation',
    'noise, not the sampling variance the bound is about; a protocol study draws one per seed (study.json trainBySeed).',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(argv, specs, 0);
    if (flags['seed-variance']) return runSeedVariance(flags);
    if (typeof flags.run !== 'string') throw new UsageError('missing required flag --run');
    const kind = (flags.kind ?? 'mc') as string;
    if (kind !== 'mc' && kind !== 'exact' && kind !== 'empirical') throw new UsageError(`--kind must be mc, exact or empirical, got '${kind}'`);
    const samples = positiveInt(flags.samples, 'samples', 2);
    const count = positiveInt(flags.patches, 'patches', 16);
    const seed = flags.seed === undefined ? 0 : (flags.seed as number);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${seed}`);
    if (flags.step !== undefined && (!Number.isInteger(flags.step) || (flags.step as number) < 0)) {
      throw new UsageError(`--step must be a non-negative integer, got ${String(flags.step)}`);
    }
    const lesionOpts = flags['lesion-functional'] ? lesionOptions(flags) : null;
    const run = openRun(flags.run as string);
    const report = await initBackend({ backend: typeof flags.backend === 'string' ? flags.backend : undefined });
    process.stderr.write(`${report.summary}\n`);
    const patches = runPatches(run, { count, seed });
    const arm = loadRunModel(run, flags.step as number | undefined);
    const inputs: FisherCommandJson['patches'] = {
      count,
      patchSize: run.config.patchSize.slice(),
      seed,
      source: run.config.validation.cases > 0 ? 'validation' : 'training',
      lesionFraction: patches.lesionFraction,
    };
    try {
      if (lesionOpts) {
        await runLesionFunctional(flags, lesionOpts, run, arm, patches, inputs);
        return 0;
      }
      let last = -1;
      const rep = await modelFisher(arm, patches, {
        kind: kind as ReportKind,
        samples,
        seed,
        onProgress: flags.json
          ? undefined
          : (done, total) => {
              const pct = Math.floor((100 * done) / total);
              if (pct >= last + 10 || done === total) {
                last = pct;
                process.stderr.write(`fisher: ${done}/${total} patches\n`);
              }
            },
      });
      const out: FisherCommandJson = {
        ...rep,
        run: { dir: run.runDir, mode: arm.layout.mode, step: arm.step, classNames: arm.layout.classNames },
        patches: inputs,
      };
      process.stdout.write((flags.json ? JSON.stringify(out, null, 2) : humanSummary(out)) + '\n');
      return 0;
    } finally {
      arm.model.dispose();
    }
  },
};
