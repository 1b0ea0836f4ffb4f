/**
 * The arms of the study (docs/protocol.md, "Arms"): what a training run's
 * `mode` names. An arm fixes three things — the labels the network is trained
 * on, the size of its head and the loss kind — and nothing else: network,
 * sampling, augmentation, optimiser, steps and seed come from the rest of the
 * config and are the same for every arm. 'binary' and 'backsplit' are the two
 * arms the project started with; the others are controls that each change one
 * of the three, to isolate where a difference between those two comes from.
 *
 * K is the number of auxiliary classes of the dataset (its anatomical split):
 * every K+2 head has class 0 = background, classes 1..K and class K+1 = lesion,
 * whatever its labels. Every arm is scored on the same lesion probability map,
 * the softmax of the last class (lesionProbabilityMap, lib/labels/collapse.ts).
 */
import type { LabelMode } from '../core/types';
import type { PlaceboKind } from '../labels/case';
import type { LossKind } from '../model/loss';

/** What an arm's network is trained on: binary, the dataset's aux split, or a placebo split. */
export type ArmLabels = LabelMode | PlaceboKind;

/** One arm: labels, head size and loss kind. */
export interface ArmDefinition {
  labels: ArmLabels;
  /** '2' (background, lesion) or 'K+2' (background, K classes, lesion). */
  head: '2' | 'K+2';
  /** The loss kind it trains with (lib/model/loss.ts); the config's loss.kind must agree or be left out. */
  loss: LossKind;
  /** One line: what the arm isolates. */
  summary: string;
}

/** The arms by name, baseline and confirmatory arm first. */
export const ARMS = {
  binary: { labels: 'binary', head: '2', loss: 'dice-ce', summary: 'lesion vs rest, Dice + CE: the baseline' },
  backsplit: { labels: 'backsplit', head: 'K+2', loss: 'dice-ce', summary: 'background split into the K auxiliary classes, mean Dice over the K+1 foreground classes + CE' },
  'backsplit-anchored': {
    labels: 'backsplit', head: 'K+2', loss: 'lesion-dice-ce',
    summary: 'BackSplit labels, Dice of the lesion alone + CE over all classes: the split without diluting the lesion\'s Dice weight to 1/(K+1)',
  },
  'binary-ce': { labels: 'binary', head: '2', loss: 'ce', summary: 'binary labels, CE only: the baseline of the CE-only pair' },
  'backsplit-ce': { labels: 'backsplit', head: 'K+2', loss: 'ce', summary: 'BackSplit labels, CE only: the split without any Dice term' },
  'binary-wide': {
    labels: 'binary', head: 'K+2', loss: 'lesion-dice-ce',
    summary: 'a K+2 head on binary labels (classes 1..K never a target), Dice of the lesion + CE: more outputs without more information',
  },
  'backsplit-placebo-voronoi': {
    labels: 'placebo-voronoi', head: 'K+2', loss: 'dice-ce',
    summary: 'background cut into K random Voronoi cells: a split without anatomy that the image cannot predict',
  },
  'backsplit-placebo-quantile': {
    labels: 'placebo-quantile', head: 'K+2', loss: 'dice-ce',
    summary: 'background cut into K intensity quantiles: a split the image predicts but without anatomy',
  },
} as const satisfies Record<string, ArmDefinition>;

/** The name of an arm: a training config's `mode`. */
export type ArmName = keyof typeof ARMS;

/** Every arm's name, in the order of {@link ARMS}: the list a study loops over. */
export const ARM_NAMES = Object.keys(ARMS) as ArmName[];

/**
 * The definition of a named arm.
 * @param field what the name came from, for the error (default 'mode')
 * @throws RangeError naming the field and the arms when the name is none of them
 * @example armDefinition('binary-wide').head // 'K+2'
 */
export function armDefinition(name: string, field = 'mode'): ArmDefinition {
  if (!Object.prototype.hasOwnProperty.call(ARMS, name)) {
    throw new RangeError(`'${field}' must be one of ${ARM_NAMES.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(name)}`);
  }
  return ARMS[name as ArmName];
}
