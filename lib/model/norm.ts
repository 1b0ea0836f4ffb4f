/** Normalisation settings shared by the config, the layers and the architectures. */

/** Normalisation layer; batch norm is deliberately absent (per-example gradients). */
export type NormKind = 'instance' | 'group' | 'none';

/** Group count actually used for `channels` channels: the largest divisor of channels ≤ groups. */
export function effectiveGroups(channels: number, groups: number): number {
  let g = Math.min(groups, channels);
  while (channels % g !== 0) g--;
  return g;
}
