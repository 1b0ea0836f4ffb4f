/**
 * Deterministic train / validation / test splits by seed, saved as JSON next to
 * a run so that every arm of a comparison uses the same cases.
 */
import { readFileSync, writeFileSync } from 'fs';
import { Random } from './random';

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export interface DatasetSplits {
  seed: number;
  fractions: SplitFractions;
  train: string[];
  val: string[];
  test: string[];
}

/**
 * Split case ids by seed. Ids are sorted first, so the result does not depend on
 * input order; counts are round(n·val) and round(n·test) (at least 1 each when the
 * fraction is > 0 and n ≥ 3), the rest train.
 * @example makeSplits(ds.ids, { seed: 0 }) // 60/20/20
 * @param fractions default {train: 0.6, val: 0.2, test: 0.2}; must sum to 1
 */
export function makeSplits(ids: string[], options: { seed: number; fractions?: SplitFractions }): DatasetSplits {
  const fractions = options.fractions ?? { train: 0.6, val: 0.2, test: 0.2 };
  const sum = fractions.train + fractions.val + fractions.test;
  if ([fractions.train, fractions.val, fractions.test].some((f) => !(f >= 0)) || Math.abs(sum - 1) > 1e-9) {
    throw new RangeError(`makeSplits: fractions must be ≥ 0 and sum to 1, got ${JSON.stringify(fractions)}`);
  }
  if (new Set(ids).size !== ids.length) throw new RangeError('makeSplits: duplicate case ids');
  const n = ids.length;
  const order = new Random(options.seed).shuffle([...ids].sort());
  const atLeastOne = (f: number) => (f > 0 && n >= 3 ? Math.max(1, Math.round(n * f)) : Math.round(n * f));
  const nTest = atLeastOne(fractions.test);
  const nVal = atLeastOne(fractions.val);
  if (nTest + nVal > n) throw new RangeError(`makeSplits: ${n} cases are too few for ${nVal} validation and ${nTest} test cases`);
  return {
    seed: options.seed,
    fractions,
    test: order.slice(0, nTest).sort(),
    val: order.slice(nTest, nTest + nVal).sort(),
    train: order.slice(nTest + nVal).sort(),
  };
}

/** Save splits as pretty JSON. */
export function saveSplits(file: string, splits: DatasetSplits): void {
  writeFileSync(file, JSON.stringify(splits, null, 2) + '\n');
}

/**
 * Load splits and check them: lists of strings, no id in two lists, and (when
 * `ids` is given) every id known to the dataset.
 */
export function loadSplits(file: string, ids?: string[]): DatasetSplits {
  let s: DatasetSplits;
  try {
    s = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`splits ${file}: cannot read JSON (${(e as Error).message})`, { cause: e });
  }
  const seen = new Map<string, string>();
  for (const part of ['train', 'val', 'test'] as const) {
    if (!Array.isArray(s[part]) || !s[part].every((x) => typeof x === 'string')) throw new Error(`splits ${file}: "${part}" must be a list of case ids`);
    for (const id of s[part]) {
      if (seen.has(id)) throw new Error(`splits ${file}: case ${id} is in both ${seen.get(id)} and ${part}`);
      seen.set(id, part);
      if (ids && !ids.includes(id)) throw new Error(`splits ${file}: case ${id} (${part}) is not in the dataset`);
    }
  }
  return s;
}
