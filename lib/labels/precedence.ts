/**
 * Precedence between auxiliary sources, shown on one case: a second source made
 * from one class of the first (e.g. a vessel tool that draws vessels a voxel too
 * thick), and the BackSplit map built twice, once with each source first, to
 * count what the order changes. Used by the course notebooks to show that only
 * the background split depends on the precedence, never the lesion voxels.
 */
import { makeVolume, Volume, VoxelArray, mapToUint8 } from '../core/volume';
import { buildBackSplitLabels, AuxSource } from './build';
import { countDifferingVoxels } from './describe';
import { dilateClass } from './noisy';

/**
 * A one-class auxiliary source cut out of a label map: the voxels of `className`
 * (id = its index in `classNames` + 1), dilated by `dilate` voxels (6-connected steps).
 * @example classAsSource(aux, ['organ', 'vessel'], 'vessel', { dilate: 1, name: 'vessel-tool' }) // { name: 'vessel-tool', classNames: ['vessel'], volume: 0/1 map }
 * @throws RangeError when `className` is not in `classNames`
 */
export function classAsSource(
  labels: Volume<VoxelArray>,
  classNames: readonly string[],
  className: string,
  options: { dilate?: number; name: string },
): AuxSource {
  const id = classNames.indexOf(className) + 1;
  if (id === 0) throw new RangeError(`classAsSource: no class '${className}' among ${classNames.join(', ')}`);
  const mask = mapToUint8(labels.data, (v) => (v === id ? 1 : 0));
  const grown = (options.dilate ?? 0) > 0 ? dilateClass(mask, labels.dims, 1, options.dilate) : mask;
  return { volume: makeVolume(grown, labels.dims, labels.spacing, labels.affine), name: options.name, classNames: [className] };
}

/** The same BackSplit map built with each of two sources first. */
export interface PrecedenceComparison {
  /** The compared class's `source` column (sources that share the class name). */
  source: string;
  /** Voxels of the compared class with the first source first, then with the second first. */
  voxels: [number, number];
  /** Voxels whose BackSplit class depends on the order. */
  differingLabels: number;
  /** Voxels of the binary (lesion vs rest) map that depend on the order (0 by construction). */
  differingBinary: number;
}

/**
 * Build the BackSplit map with `sources[0]` first and with `sources[1]` first and compare them.
 * @param className the class counted in `voxels` (both sources name it)
 * @throws RangeError when the built maps have no class of that name
 */
export function comparePrecedence(lesion: Volume<VoxelArray>, sources: [AuxSource, AuxSource], className: string): PrecedenceComparison {
  const [a, b] = sources;
  const firstA = buildBackSplitLabels({ lesion, aux: [a, b], precedence: [a.name, b.name] });
  const firstB = buildBackSplitLabels({ lesion, aux: [a, b], precedence: [b.name, a.name] });
  const row = (built: typeof firstA) => {
    const found = built.classes.filter((c) => c.name === className)[0];
    if (!found) throw new RangeError(`comparePrecedence: no class '${className}' in the built map`);
    return found;
  };
  return {
    source: row(firstA).source,
    voxels: [row(firstA).voxels, row(firstB).voxels],
    differingLabels: countDifferingVoxels(firstA.labels.data, firstB.labels.data),
    differingBinary: countDifferingVoxels(firstA.binary.data, firstB.binary.data),
  };
}
