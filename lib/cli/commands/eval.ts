/**
 * `backsplit eval`: every lesion metric of one predicted mask against one
 * reference mask, read from NIfTI files (any non-zero voxel is lesion).
 * `--json` prints exactly one JSON object (see EvalJson in lib/eval/evaluate);
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
  const { evaluateRun } = await import('../../study/evaluate-run');
  const backend = await initBackend();
  if (!json) process.stdout.write(`backend: ${backend.summary}\n`);
  const res = await evaluateRun(runDir, split, (i, n, id) => {
    if (!json) process.stdout.write(`evaluating ${id} (${i + 1}/${n})\n`);
  });
  const rows = res.results.map((r) => ({ case: r.caseId, model: r.model, ...toEvalJson(r.evaluation) }));
  const models = [...new Set(res.results.map((r) => r.model))];
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const summary = models.map((m) => {
    const rs = res.results.filter((r) => r.model === m).map((r) => r.evaluation);
    return {
      model: m,
      cases: rs.length,
      dice: mean(rs.map((e) => e.overlap.dice)),
      nsd: mean(rs.map((e) => e.surface.nsd)),
      hd95_mm: mean(rs.map((e) => e.surface.hd95Mm)),
      lesion_f1: mean(rs.map((e) => e.lesions.f1)),
      fp_lesions_per_case: mean(rs.map((e) => e.lesions.fp)),
    };
  });
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

export const evalCommand: Command = {
  name: 'eval',
  summary: 'lesion metrics of a predicted mask against a reference (Dice, HD95, NSD, lesion F1, size bins)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(
      argv,
      {
        pred: { type: 'string', description: 'predicted mask' },
        ref: { type: 'string', description: 'reference mask' },
        run: { type: 'string' },
        split: { type: 'string' },
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
    if (flags.run !== undefined) {
      if (flags.volume !== undefined || flags.nonfinite !== undefined) throw new UsageError('--volume and --nonfinite apply to --pred/--ref');
      if (flags.pred !== undefined || flags.ref !== undefined) throw new UsageError('use either --run or --pred/--ref');
      return evaluateRunCommand(flags.run as string, (flags.split as string | undefined) ?? 'test', Boolean(flags.json));
    }
    if (flags.split !== undefined) throw new UsageError('--split needs --run');
    if (flags.pred === undefined || flags.ref === undefined) throw new UsageError('missing required flags --pred and --ref (or --run)');
    const predPath = flags.pred as string;
    const refPath = flags.ref as string;
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
    const options: EvaluationOptions = {
      toleranceMm,
      connectivity: connectivity as Connectivity,
      dilationVoxels,
      binEdgesMl: flags['bins-ml'] !== undefined ? parseBinEdges(flags['bins-ml'] as string) : [...DEFAULT_BIN_EDGES_ML],
    };

    const { pred, ref } = readMasks(predPath, refPath, volumeFlag(flags.volume), nonFiniteFlag(flags.nonfinite));
    const evaluation = evaluateSegmentation(pred, ref, options, { pred: predPath, ref: refPath });
    if (flags.json) process.stdout.write(JSON.stringify(toEvalJson(evaluation)) + '\n');
    else process.stdout.write(formatEvaluation(evaluation, predPath, refPath) + '\n');
    return 0;
  },
};
