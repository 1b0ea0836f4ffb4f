/**
 * The protocol's two label axes as training settings (protocol.json `axes`): `backgroundClasses`
 * merges the auxiliary classes of the synthetic conditions into K groups by the rule fixed at the
 * freeze (lib/data CONDITION_CLASS_MERGES), and `auxLabelNoise` degrades the training cases'
 * auxiliary maps with lib/labels simulateNoisyLabels (erosion/dilation, merges, dropped components,
 * boundary jitter at one level in [0, 1]). Both change only the auxiliary maps: the lesion mask,
 * the images and the validation and test references of the lesion stay as they are.
 */
import { hashString } from '../core/random';
import type { SegmentationCase } from '../core/types';
import { CONDITION_AUX_NAMES, CONDITION_CLASS_MERGES } from '../data/synthetic-conditions';
import { simulateNoisyLabels } from '../labels/noisy';

/** The label-axis fields of a training config (both optional: absent means the dataset's own classes, no noise). */
export interface AuxLabelSettings {
  /** Number of background sub-classes K after the fixed merge (1, 2, 3 or 5 on the synthetic conditions). */
  backgroundClasses?: number;
  /** Noise level of the training cases' auxiliary maps, in [0, 1] (0 = clean). */
  auxLabelNoise?: number;
  /** The run's seed: the noise of a case is drawn from it and the case id. */
  seed?: number;
}

/** The K levels with a merge rule. */
export const BACKGROUND_CLASS_LEVELS: readonly number[] = Object.keys(CONDITION_CLASS_MERGES).map(Number).sort((a, b) => a - b);

function sameNames(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** One case with its auxiliary classes merged to K groups (unchanged when it already has them). */
function mergeCase(c: SegmentationCase, k: number): SegmentationCase {
  const rule = CONDITION_CLASS_MERGES[k];
  if (!rule) throw new Error(`backgroundClasses: no merge rule for K = ${k} (levels with a rule: ${BACKGROUND_CLASS_LEVELS.join(', ')})`);
  if (sameNames(c.auxNames, rule.names)) return c;
  if (!c.aux || !sameNames(c.auxNames, CONDITION_AUX_NAMES)) {
    throw new Error(`backgroundClasses: case '${c.id}' has auxiliary classes [${c.auxNames ?? (c.aux ? 'unnamed' : 'none')}]; ` +
      `the K merges are defined for the synthetic conditions' classes [${CONDITION_AUX_NAMES.join(', ')}] only`);
  }
  const lut = new Uint8Array(256);
  CONDITION_AUX_NAMES.forEach((name, i) => (lut[i + 1] = rule.newId[name]));
  const src = c.aux.data;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    if (src[i] > CONDITION_AUX_NAMES.length) throw new Error(`backgroundClasses: case '${c.id}' has aux label ${src[i]} at voxel ${i}, above its ${CONDITION_AUX_NAMES.length} classes`);
    data[i] = lut[src[i]];
  }
  return { ...c, aux: { ...c.aux, data }, auxNames: [...rule.names] };
}

/**
 * The cases as a run with these settings sees them: auxiliary classes merged to K (every case,
 * so that validation and test references match the head), then, when `noisy` (training cases
 * only) and the noise level is above 0, each auxiliary map degraded with a seed drawn from the
 * run's seed and the case id. Without either setting the cases are returned as they are.
 * @example applyAuxLabelSettings(trainCases, { backgroundClasses: 2, auxLabelNoise: 0.5, seed: 3 }, { noisy: true })
 * @throws when K has no merge rule, a case's classes are not the synthetic conditions', the noise level is outside [0, 1] or a noisy case has no auxiliary map
 */
export function applyAuxLabelSettings(cases: readonly SegmentationCase[], settings: AuxLabelSettings, opts: { noisy: boolean }): SegmentationCase[] {
  const k = settings.backgroundClasses;
  const noise = settings.auxLabelNoise ?? 0;
  if (!(noise >= 0 && noise <= 1)) throw new Error(`auxLabelNoise: the level must be in [0, 1], got ${noise}`);
  let out = k === undefined ? [...cases] : cases.map((c) => mergeCase(c, k));
  if (opts.noisy && noise > 0) {
    const seed = settings.seed ?? 0;
    out = out.map((c) => {
      if (!c.aux) throw new Error(`auxLabelNoise: case '${c.id}' has no auxiliary map to degrade`);
      const noisy = simulateNoisyLabels(c.aux, { noiseLevel: noise, seed: hashString(`aux-noise|${seed}|${c.id}`) });
      return { ...c, aux: noisy.labels };
    });
  }
  return out;
}
