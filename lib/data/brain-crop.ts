/**
 * One brain-extracted MRI with its lesion mask, cropped to the brain: the brain
 * mask is simply image > 0 (skull-stripped images are 0 outside the brain), and
 * image, lesion mask and brain mask are cropped to the mask's bounding box plus a
 * margin, so clustering and plotting do not spend time on empty air. Used by the
 * course notebooks on the MS example (T1 + consensus lesions).
 */
import { readNifti, cropOrPad, nonzeroBoundingBox } from '../io/index';
import { makeVolume, Vec3, Volume, VoxelArray, mapToUint8 } from '../core/volume';

/** An image, its lesion mask and its brain mask on the cropped grid. */
export interface BrainCrop {
  image: Volume<VoxelArray>;
  lesion: Volume<VoxelArray>;
  /** 1 where the image is > 0. */
  mask: Volume<Uint8Array>;
  /** Grid of the image before cropping. */
  fullDims: Vec3;
}

/**
 * Crop an image and its lesion mask to the box of the voxels where the image is > 0.
 * @param margin voxels kept on each side of the box (default 2)
 * @throws RangeError when the image has no positive voxel
 */
export function cropToBrain(image: Volume<VoxelArray>, lesion: Volume<VoxelArray>, margin = 2): BrainCrop {
  const maskFull = makeVolume(mapToUint8(image.data, (v: number) => (v > 0 ? 1 : 0)), image.dims, image.spacing, image.affine);
  const box = nonzeroBoundingBox(maskFull, margin);
  if (!box) throw new RangeError('cropToBrain: the image has no voxel > 0');
  return { image: cropOrPad(image, box), lesion: cropOrPad(lesion, box), mask: cropOrPad(maskFull, box), fullDims: image.dims };
}

/** cropToBrain on two NIfTI files (image, lesion mask). */
export function readBrainCrop(imageFile: string, lesionFile: string, margin = 2): BrainCrop {
  return cropToBrain(readNifti(imageFile).volume, readNifti(lesionFile).volume, margin);
}

/**
 * One line: full and cropped grid, brain voxels and their volume in mL at 1 mm³ voxels.
 * @example describeBrainCrop(crop, 'T1') // "T1 181×217×181 cropped to the brain box 140×172×146 (1234 brain voxels, 1 mL at 1 mm)"
 */
export function describeBrainCrop(crop: BrainCrop, imageName: string): string {
  let brainVoxels = 0;
  for (let i = 0; i < crop.mask.data.length; i++) if (crop.mask.data[i] !== 0) brainVoxels++;
  return `${imageName} ${crop.fullDims.join('×')} cropped to the brain box ${crop.image.dims.join('×')} (${brainVoxels} brain voxels, ${(brainVoxels / 1000).toFixed(0)} mL at 1 mm)`;
}
