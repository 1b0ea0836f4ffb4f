/**
 * `backsplit eval`: every lesion metric of one predicted mask against one
 * reference mask, read from NIfTI files (any non-zero voxel is lesion);
 * `--run <dir> --split` evaluates a trained run on a split of its own dataset,
 * `--run <dir> --data <path>` on every case of another dataset
 * (lib/study/evaluate-external). `--json` prints exactly one JSON object (see
 * EvalJson in lib/eval/evaluate, ExternalEvalJson in lib/study/evaluate-external);
 * without it a readable summary is printed.
 */
import { Command, NONFINITE_FLAG, UsageError, VOLUME_FLAG, nonFiniteFlag, parseArgs, volumeFlag } from '../args';
import { readLabelFile } from '../../io/load';
import type { LabelVolume } from '../../core/volume';
import { CaseEvaluation, EvaluationOptions, evaluateSegmentation, toEvalJson } from '../../eval/evaluate';
import { DEFAULT_BIN_EDGES_ML, validateBinEdges } from '../../eval/bins';
import type { Connectivity } from '../../core/morphology';

const USAGE = [
  'usage: backsplit eval --pred <nii> --ref <nii> [--tolerance-mm 1] [--connectivity 26] [--json]',
  '                      [--bins-ml 0.1,1,10] [--dilation-voxels 0] [--volume N] [--nonfinite zero|mask]',
  '       backsplit eval --run <dir> [--split test|val|train] [--json]',
  '       backsplit eval --run <dir> --data <msd-folder|manifest.json|kind:path> [--lesion-labels 3,4] [--json]',
  '',
  'Compares a predicted lesion mask with a reference mask on the same grid',
  '(any non-zero voxel is lesion) and prints Dice, IoU, precision, recall,',
  'HD95, NSD at the tolerance, ASSD, lesion detection (TP/FP/FN, F1),',
  'per-lesion Dice and volume, and per-volume-bin detection.',
  '',
  'options:',
  '  --pred <nii>            predicted mask (.nii or .nii.gz)',
  '  --ref <nii>             reference mask on the same grid',
  '                          (both: 3D, whole numbers; a 4D file needs --volume)',
  '  --volume <n>            the volume (0-based) to take from a 4D --pred/--ref file',
  '  --nonfinite <policy>    NaN/Inf voxels in a mask: error (default), zero (read as 0), or',
  '                          mask (left out: 0 in both masks wherever either file has one)',
  '  --tolerance-mm <mm>     NSD tolerance (default 1)',
  '  --connectivity <n>      lesion connectivity: 6, 18 or 26 (default 26)',
  '  --bins-ml <edges>       inner lesion-volume bin edges in mL (default 0.1,1,10)',
  '  --dilation-voxels <k>   BraTS-2023-style matching: merge reference lesions whose',
  '                          k-step 18-neighbour dilations touch (default 0 = off)',
  '  --run <dir>             evaluate a trained run folder on a split of its dataset (default',
  '                          split: test); BackSplit runs are reported with both collapse rules',
  '  --split <name>          test, val or train (with --run)',
  '  --data <path>           evaluate the run on every case of another dataset (no split): an MSD',
  '                          task folder (dataset.json), a dataset manifest (.json), or <kind>:<path>',
  '                          for another dataset kind; its channel count must be the run\'s, its grid',
  '                          and spacing may differ. Prints per-case rows and a summary per arm',
  '                          (binary | backsplit | backsplit-sumrule) with the metric options above;',
  '                          BackSplit runs also get the Dice of auxiliary classes the data labels',
  '                          under the same names',
  '  --lesion-labels <v,..>  the lesion label value(s) of an MSD folder; default: dataset.json\'s',
  '                          "backsplit.lesionLabels", else the run\'s own MSD lesion labels by name',
  '  --json                  print one JSON object instead of the summary',
  '',
  'Conventions: docs/metrics.md.',
].join('\n');

function parseBinEdges(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const edges = parts.map(Number);
  if (edges.length === 0 || edges.some((e) => !Number.isFinite(e))) {
    throw new UsageError(`--bins-ml needs comma-separated numbers in mL, got '${text}'`);
  }
  try {
    validateBinEdges(edges);
  } catch (err) {
    throw new UsageError(`--bins-ml: ${(err as Error).message}`);
  }
  return edges;
}

function fmt(x: number | null, digits = 4): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

/** Human-readable summary of one evaluation. */
export function formatEvaluation(e: CaseEvaluation, predPath: string, refPath: string): string {
  const o = e.overlap, s = e.surface, l = e.lesions;
  const lines = [
    `prediction  ${predPath}`,
    `reference   ${refPath}`,
    `voxels      predicted ${o.predVoxels}, reference ${o.refVoxels}, overlap ${o.tpVoxels}`,
    `overlap     Dice ${fmt(o.dice)}  IoU ${fmt(o.iou)}  precision ${fmt(o.precision)}  recall ${fmt(o.recall)}`,
    `surface     HD95 ${fmt(s.hd95Mm, 2)} mm  NSD@${s.toleranceMm} mm ${fmt(s.nsd)}  ASSD ${fmt(s.assdMm, 2)} mm`,
    `lesions     TP ${l.tp}  FP ${l.fp}  FN ${l.fn}  F1 ${fmt(l.f1)}  (${l.connectivity}-connectivity` +
      `${l.dilationVoxels > 0 ? `, dilation matching ${l.dilationVoxels}` : ''})`,
    '',
    'reference lesion volume   n  detected  mean Dice',
  ];
  for (const b of e.bins) {
    const range = Number.isFinite(b.hiMl) ? `[${b.loMl}, ${b.hiMl}) mL` : `>= ${b.loMl} mL`;
    lines.push(`${range.padEnd(22)} ${String(b.n).padStart(4)}  ${String(b.detected).padStart(8)}  ${fmt(b.meanDice).padStart(9)}`);
  }
  return lines.join('\n');
}

async function evaluateRunCommand(runDir: string, split: string, json: boolean): Promise<number> {
  if (split !== 'test' && split !== 'val' && split !== 'train') throw new UsageError(`--split must be test, val or train, got '${split}'`);
  // Loaded lazily: the --pred/--ref path needs no tfjs.
  const { initBackend } = await import('../../backend/index');
  const { evaluateRun, summarizeArms } = await import('../../study/evaluate-run');
  const backend = await initBackend();
  if (!json) process.stdout.write(`backend: ${backend.summary}\n`);
  const res = await evaluateRun(runDir, split, (i, n, id) => {
    if (!json) process.stdout.write(`evaluating ${id} (${i + 1}/${n})\n`);
  });
  const rows = res.results.map((r) => ({ case: r.caseId, model: r.model, ...toEvalJson(r.evaluation) }));
  const summary = Object.entries(summarizeArms(res.results)).map(([model, s]) => ({ model, ...s }));
  if (json) {
    process.stdout.write(JSON.stringify({ run: runDir, split, split_source: res.splitSource, summary, cases: rows }) + '\n');
  } else {
    process.stdout.write(`run ${runDir}, split '${split}' (${res.caseIds.length} cases; from ${res.splitSource})\n`);
    for (const s of summary) {
      process.stdout.write(
        `${s.model.padEnd(18)} Dice ${fmt(s.dice)}  NSD ${fmt(s.nsd)}  HD95 ${fmt(s.hd95_mm, 2)} mm  lesion F1 ${fmt(s.lesion_f1)}  FP lesions/case ${fmt(s.fp_lesions_per_case, 2)}\n`,
      );
    }
  }
  return 0;
}

/** Read --pred and --ref as label maps; with policy 'mask', a voxel NaN/Inf in either file is 0 in both. */
function readMasks(predPath: string, refPath: string, volume: number | undefined, nonfinite: 'error' | 'zero' | 'mask'): { pred: LabelVolume; ref: LabelVolume } {
  const p = readLabelFile(predPath, { volume, nonfinite });
  const r = readLabelFile(refPath, { volume, nonfinite });
  for (const m of [p.nonFiniteMask, r.nonFiniteMask]) {
    if (!m || m.length !== p.label.data.length || m.length !== r.label.data.length) continue; // other grids: evaluate refuses them
    for (let i = 0; i < m.length; i++) {
      if (m[i]) p.label.data[i] = r.label.data[i] = 0;
    }
  }
  return { pred: p.label, ref: r.label };
}

type Flags = Record<string, string | number | boolean | undefined>;

/** The metric options of --tolerance-mm, --connectivity, --dilation-voxels and --bins-ml. */
function evaluationOptions(flags: Flags): EvaluationOptions {
  const connectivity = (flags.connectivity as number | undefined) ?? 26;
  if (connectivity !== 6 && connectivity !== 18 && connectivity !== 26) {
    throw new UsageError(`--connectivity must be 6, 18 or 26, got ${connectivity}`);
  }
  const toleranceMm = (flags['tolerance-mm'] as number | undefined) ?? 1;
  if (toleranceMm < 0) throw new UsageError(`--tolerance-mm must be >= 0, got ${toleranceMm}`);
  const dilationVoxels = (flags['dilation-voxels'] as number | undefined) ?? 0;
  if (!Number.isInteger(dilationVoxels) || dilationVoxels < 0) {
    throw new UsageError(`--dilation-voxels must be an integer >= 0, got ${dilationVoxels}`);
  }
  return {
    toleranceMm,
    connectivity: connectivity as Connectivity,
    dilationVoxels,
    binEdgesMl: flags['bins-ml'] !== undefined ? parseBinEdges(flags['bins-ml'] as string) : [...DEFAULT_BIN_EDGES_ML],
  };
}

function parseLesionLabels(text: string): number[] {
  const parts = text.split(',').map((x) => x.trim());
  const values = parts.map(Number);
  if (parts.some((x) => !/^\d+$/.test(x)) || values.some((v) => v <= 0)) {
    throw new UsageError(`--lesion-labels needs comma-separated positive label values, e.g. 3,4; got '${text}'`);
  }
  return values;
}

/** `--run <dir> --data <path>`: every case of a dataset the run never saw. */
async function evaluateDataCommand(flags: Flags): Promise<number> {
  if (flags.split !== undefined) throw new UsageError('use either --data (every case of another dataset) or --split (a split of the run\'s own dataset)');
  const json = Boolean(flags.json);
  const lesionLabels = flags['lesion-labels'] !== undefined ? parseLesionLabels(flags['lesion-labels'] as string) : undefined;
  const evaluation = evaluationOptions(flags);
  // Loaded lazily: the --pred/--ref path needs no tfjs.
  const { initBackend } = await import('../../backend/index');
  const ext = await import('../../study/evaluate-external');
  const backend = await initBackend();
  const say = (line: string) => {
    if (!json) process.stdout.write(line + '\n');
  };
  say(`backend: ${backend.summary}`);
  let e: Awaited<ReturnType<typeof ext.evaluateRunOnDataset>>;
  try {
    e = await ext.evaluateRunOnDataset(flags.run as string, flags.data as string, {
      lesionLabels,
      evaluation,
      onStart: (s) => say(ext.describeExternalEvaluation(s)),
      onCase: (i, n, id) => say(`evaluating ${id} (${i + 1}/${n})`),
    });
  } catch (err) {
    if (err instanceof ext.LesionLabelChoiceError) throw new UsageError(err.message);
    throw err;
  }
  if (json) process.stdout.write(JSON.stringify(ext.externalEvalJson(e)) + '\n');
  else say('\n' + ext.formatExternalEvaluation(e));
  return 0;
}

/** `--run <dir>` with --split or --data. */
function runCommand(flags: Flags): Promise<number> {
  if (flags.volume !== undefined || flags.nonfinite !== undefined) throw new UsageError('--volume and --nonfinite apply to --pred/--ref');
  if (flags.pred !== undefined || flags.ref !== undefined) throw new UsageError('use either --run or --pred/--ref');
  if (flags.data !== undefined) return evaluateDataCommand(flags);
  if (flags['lesion-labels'] !== undefined) throw new UsageError('--lesion-labels applies to --data');
  return evaluateRunCommand(flags.run as string, (flags.split as string | undefined) ?? 'test', Boolean(flags.json));
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'lesion metrics of a mask against a reference, or of a trained run on a split or an unseen dataset (Dice, HD95, NSD, lesion F1)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(
      argv,
      {
        pred: { type: 'string', description: 'predicted mask' },
        ref: { type: 'string', description: 'reference mask' },
        run: { type: 'string' },
        split: { type: 'string' },
        data: { type: 'string' },
        'lesion-labels': { type: 'string' },
        'tolerance-mm': { type: 'number' },
        connectivity: { type: 'number' },
        'bins-ml': { type: 'string' },
        'dilation-voxels': { type: 'number' },
        json: { type: 'boolean' },
        volume: VOLUME_FLAG,
        nonfinite: NONFINITE_FLAG,
      },
      0,
    );
    if (flags.run !== undefined) return runCommand(flags);
    if (flags.data !== undefined) throw new UsageError('--data needs --run (the trained run folder to evaluate)');
    if (flags['lesion-labels'] !== undefined) throw new UsageError('--lesion-labels applies to --run <dir> --data <path>');
    if (flags.split !== undefined) throw new UsageError('--split needs --run');
    if (flags.pred === undefined || flags.ref === undefined) throw new UsageError('missing required flags --pred and --ref (or --run)');
    const predPath = flags.pred as string;
    const refPath = flags.ref as string;
    const options = evaluationOptions(flags);
    const { pred, ref } = readMasks(predPath, refPath, volumeFlag(flags.volume), nonFiniteFlag(flags.nonfinite));
    const evaluation = evaluateSegmentation(pred, ref, options, { pred: predPath, ref: refPath });
    if (flags.json) process.stdout.write(JSON.stringify(toEvalJson(evaluation)) + '\n');
    else process.stdout.write(formatEvaluation(evaluation, predPath, refPath) + '\n');
    return 0;
  },
};
