/**
 * k-means against the Gaussian mixture on one image: both clusterings of
 * ./tissue with the same seed and names, their run times, how often they agree
 * inside the mask, and a text report that also shows which tissue class the
 * lesion voxels would get before the lesion overrides them. Used by the course
 * notebooks; the clustering itself lives in tissue.ts.
 */
import type { Volume, VoxelArray } from '../core/volume';
import { formatTable } from '../core/format';
import { clusterTissues, TissueClusterResult } from './tissue';
import { agreementInMask, formatLabelShares, labelCountsInMask } from './describe';

/** Both clustering methods on the same voxels. */
export interface TissueMethodComparison {
  names: string[];
  kmeans: TissueClusterResult;
  gmm: TissueClusterResult;
  /** Wall-clock milliseconds of each clustering, [k-means, GMM]. */
  ms: [number, number];
  /** Fraction of mask voxels given the same class by both. */
  agreement: number;
}

/**
 * Cluster `image` inside `mask` with k-means and with the GMM (same seed, one class per name).
 * @param names class names, dark to bright (their count is the number of classes)
 */
export function compareTissueMethods(image: Volume<VoxelArray>, mask: Volume<Uint8Array>, names: string[], seed = 0): TissueMethodComparison {
  const t0 = Date.now();
  const kmeans = clusterTissues([image], { classes: names.length, mask, method: 'kmeans', seed, names });
  const kmMs = Date.now() - t0;
  const gmm = clusterTissues([image], { classes: names.length, mask, method: 'gmm', seed, names });
  const gmmMs = Date.now() - t0 - kmMs;
  return { names, kmeans, gmm, ms: [kmMs, gmmMs], agreement: agreementInMask(kmeans.labels.data, gmm.labels.data, mask.data) };
}

/**
 * The comparison as text: one table row per method (iterations, convergence, ms, mL and mean
 * intensity per class, at 1 mm³ voxels), the agreement line, and the k-means class of the
 * lesion voxels ('outside the brain mask' for class 0).
 * @param lesion lesion mask on the image's grid
 */
export function formatTissueComparison(cmp: TissueMethodComparison, lesion: ArrayLike<number>): string {
  const { names } = cmp;
  const table = formatTable(
    ['method', 'iterations', 'converged', 'ms', ...names.map((n) => `${n} mL`), ...names.map((n) => `${n} mean T1`)],
    [cmp.kmeans, cmp.gmm].map((r, i) => [r.method, r.iterations, String(r.converged), cmp.ms[i],
      ...r.counts.map((n) => Number((n / 1000).toFixed(1))), ...r.means.map((m) => Number(m[0].toFixed(1)))]),
  );
  const shares = formatLabelShares(['outside the brain mask', ...names], labelCountsInMask(cmp.kmeans.labels.data, lesion, names.length + 1));
  return `${table}\n` +
    `k-means and GMM give the same class to ${(100 * cmp.agreement).toFixed(1)}% of brain voxels; we use k-means below\n` +
    `lesion voxels as clustered before the override:\n${shares}`;
}
