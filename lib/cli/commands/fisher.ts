/**
 * `backsplit fisher --run <dir> [--samples N] [--kind mc|exact|empirical] [--json]`:
 * Fisher-information traces of a trained run's network under its multiclass
 * likelihood (Y) and the lesion-vs-rest likelihood (Z) at the same weights,
 * total and per variable, on patches cut from the run's validation cases.
 *
 * With --json it prints one JSON object: lib/fisher's FisherReport (kind,
 * description, backend, y/z traces, traceRatio, ...) plus `run` (folder, mode,
 * checkpoint step) and `patches` (how the inputs were chosen).
 */
import { Command, parseArgs, UsageError, BACKEND_FLAG, flagHelp } from '../args';
import { initBackend } from '../../backend/select';
import { loadRunModel, openRun } from '../../run/open';
import { modelFisher, tracesByLayer } from '../../study/fisher';
import { runPatches } from '../../study/fisher-runs';
import type { FisherReport, ReportKind } from '../../fisher/report';

const specs = {
  run: { type: 'string' as const, required: true, description: 'training run folder (config.json, meta.json, checkpoints/)' },
  kind: { type: 'string' as const, description: "mc (Monte-Carlo, default) | exact (tiny models only) | empirical (NOT a Fisher estimate)" },
  samples: { type: 'number' as const, description: 'label samples per patch for --kind mc (default 2)' },
  patches: { type: 'number' as const, description: 'number of evaluation patches (default 16)' },
  seed: { type: 'number' as const, description: 'seed of the patch positions and label samples (default 0)' },
  step: { type: 'number' as const, description: 'checkpoint step (default: the final / newest checkpoint; 0 = initial weights)' },
  backend: BACKEND_FLAG,
  json: { type: 'boolean' as const, description: 'print one JSON object instead of a summary' },
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

export const fisherCommand: Command = {
  name: 'fisher',
  summary: 'Fisher-information traces of a trained run, multiclass (Y) vs lesion-vs-rest (Z)',
  usage: [
    'usage: backsplit fisher --run <dir> [--kind mc|exact|empirical] [--samples N] [--patches N]',
    '                        [--seed N] [--step N] [--backend <name>] [--json]',
    '',
    ...flagHelp(specs),
    '',
    'Traces are of the Fisher of one whole patch (all voxels), averaged over patches.',
    'For a binary run (2 classes) Y and Z coincide.',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(argv, specs, 0);
    const kind = (flags.kind ?? 'mc') as string;
    if (kind !== 'mc' && kind !== 'exact' && kind !== 'empirical') throw new UsageError(`--kind must be mc, exact or empirical, got '${kind}'`);
    const samples = positiveInt(flags.samples, 'samples', 2);
    const count = positiveInt(flags.patches, 'patches', 16);
    const seed = flags.seed === undefined ? 0 : (flags.seed as number);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${seed}`);
    if (flags.step !== undefined && (!Number.isInteger(flags.step) || (flags.step as number) < 0)) {
      throw new UsageError(`--step must be a non-negative integer, got ${String(flags.step)}`);
    }
    const run = openRun(flags.run as string);
    const report = await initBackend({ backend: typeof flags.backend === 'string' ? flags.backend : undefined });
    process.stderr.write(`${report.summary}\n`);
    const patches = runPatches(run, { count, seed });
    const arm = loadRunModel(run, flags.step as number | undefined);
    try {
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
        patches: {
          count,
          patchSize: run.config.patchSize.slice(),
          seed,
          source: run.config.validation.cases > 0 ? 'validation' : 'training',
          lesionFraction: patches.lesionFraction,
        },
      };
      process.stdout.write((flags.json ? JSON.stringify(out, null, 2) : humanSummary(out)) + '\n');
      return 0;
    } finally {
      arm.model.dispose();
    }
  },
};
