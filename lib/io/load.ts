/**
 * Label maps read from files: asLabelVolume turns a volume (float 0/1 masks included)
 * into an integer label volume or names the first voxel that is not a whole number;
 * readLabelFile is the one way a command reads a mask or label map (3D only unless a
 * volume is picked, whole numbers only, a chosen non-finite policy); readImageWithLabel
 * reads one image/label pair, converts the label map and checks the two grids against
 * each other (lib/core assertSameGrid) with the file names in the error.
 */
import { assertSameGrid, GridTolerance } from '../core/grid';
import { LabelVolume, Vec3, Volume } from '../core/volume';
import { NiftiError } from './errors';
import { readNifti, ReadNiftiOptions } from './nifti';
import { NonFinitePolicy } from './nonfinite';

/**
 * Return `v` as an integer label volume. Integer-typed volumes are returned as they are;
 * float volumes (masks are often stored as float32 0/1) are converted when every voxel
 * is a finite whole number: to Uint8Array when all fit in 0..255, Int16Array when they
 * fit in int16, Int32Array otherwise.
 * @param name file or volume name for the error message
 * @throws NiftiError 'bad-volume' naming the first voxel that is not a whole number
 */
export function asLabelVolume(v: Volume, name: string): LabelVolume {
  const d = v.data;
  if (!(d instanceof Float32Array || d instanceof Float64Array)) return v as LabelVolume;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (!(Math.round(x) === x) || Math.abs(x) > 2 ** 31 - 1) {
      const [nx, ny] = v.dims;
      throw new NiftiError(
        name,
        'bad-volume',
        `a label map must hold whole numbers, voxel (${i % nx}, ${Math.floor(i / nx) % ny}, ${Math.floor(i / (nx * ny))}) is ${x}`,
      );
    }
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const data = lo >= 0 && hi <= 255 ? Uint8Array.from(d) : lo >= -32768 && hi <= 32767 ? Int16Array.from(d) : Int32Array.from(d);
  return { data, dims: [...v.dims] as Vec3, spacing: [...v.spacing] as Vec3, affine: v.affine.map((r) => [...r]) };
}

/** Options of readLabelFile. */
export interface ReadLabelOptions {
  /** The volume (0-based) to take from a 4D file; 3D files are read as they are. Without it a 4D file is refused. */
  volume?: number;
  /** NaN/Inf voxels: 'error' (default), 'zero' or 'mask' (replaced by 0, and reported in nonFiniteMask). */
  nonfinite?: NonFinitePolicy;
}

/**
 * Read a mask or label map: a 3D file (or the picked volume of a 4D file) holding whole
 * numbers only, returned as an integer label volume.
 * @example const { label } = readLabelFile('lesion.nii.gz', { volume: 0 });
 * @returns the label volume and, with nonfinite 'mask', 1 where a voxel was NaN/Inf (else null)
 * @throws NiftiError 'volume-index' for a 4D file without `volume` (naming its 4th dimension) or
 *   a volume out of range; 'bad-volume' naming the first voxel that is not a whole number
 */
export function readLabelFile(path: string, options: ReadLabelOptions = {}): { label: LabelVolume; nonFiniteMask: Uint8Array | null } {
  const nonfinite = options.nonfinite ?? 'error';
  let r = readNifti(path, { nonfinite });
  const n = r.header.nVolumes;
  if (n > 1) {
    if (options.volume === undefined) {
      throw new NiftiError(
        path,
        'volume-index',
        `a mask or label map must be 3D, this file is 4D (dims ${r.header.shape.join('x')}: ${n} volumes along the 4th dimension); ` +
          `pick one with --volume N (0..${n - 1})`,
      );
    }
    r = readNifti(path, { nonfinite, volumeIndex: options.volume });
  }
  return { label: asLabelVolume(r.volume, path), nonFiniteMask: r.nonFinite.mask };
}

/** Options of readImageWithLabel. */
export interface ReadImageWithLabelOptions extends ReadNiftiOptions {
  /** Grid tolerances (see assertSameGrid). */
  gridTolerance?: GridTolerance;
}

/**
 * Read an image and its label map and check they share a grid.
 * @example const { image, label } = readImageWithLabel('FLAIR.nii.gz', 'gt.nii.gz');
 * @param imagePath image file (.nii / .nii.gz)
 * @param labelPath label file on the same grid
 * @param options reader options for the image (volumeIndex, nonfinite), grid tolerance
 * @throws NiftiError for unreadable files or non-integer labels; GridMismatchError naming both files
 */
export function readImageWithLabel(
  imagePath: string,
  labelPath: string,
  options: ReadImageWithLabelOptions = {},
): { image: Volume; label: LabelVolume } {
  const image = readNifti(imagePath, options).volume;
  const label = asLabelVolume(readNifti(labelPath).volume, labelPath);
  assertSameGrid(image, label, [imagePath, labelPath], options.gridTolerance);
  return { image, label };
}
