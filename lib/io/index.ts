/**
 * lib/io public surface: the Volume type, NIfTI reading/writing, typed errors,
 * affine helpers and the common volume operations.
 */
export * from './volume';
export * from './errors';
export { NIFTI_DATATYPES } from './nifti-header';
export type { AffineSource, NiftiDatatypeName, NiftiHeader } from './nifti-header';
export { DEFAULT_MAX_BYTES, findNonFinite, parseNifti, readNifti, readNiftiAll } from './nifti';
export type { NiftiReadResult, ReadNiftiOptions } from './nifti';
export { defaultWriteDatatype, encodeNifti, writeNifti } from './nifti-write';
export type { NiftiWriteDatatype, WriteNiftiOptions } from './nifti-write';
export {
  affineColumnNorms,
  affineToQuaternion,
  det3,
  identityAffine,
  invertAffine,
  isUsableAffine,
  multiplyAffine,
  quaternionToAffine,
} from './affine';
export type { QuaternionForm } from './affine';
export {
  StatsAccumulator,
  assertFinite,
  assertSameGrid,
  cropOrPad,
  cropToNonzero,
  ctWindow,
  nonzeroBoundingBox,
  padToAtLeast,
  resampleToSpacing,
  sameGrid,
  toFloat32,
  volumeStats,
  voxelToWorld,
  worldToVoxel,
  zscoreInMask,
} from './ops';
export type { CtWindow, GridTolerance, Interpolation, VolumeStats, VoxelBox, ZscoreOptions } from './ops';
export { asLabelVolume, readImageWithLabel } from './load';
export type { ReadImageWithLabelOptions } from './load';
