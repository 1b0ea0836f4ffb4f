/**
 * lib/io public surface: NIfTI reading/writing, typed errors, affine helpers and the
 * common volume operations (the Volume type, grid check and z-scoring are lib/core's).
 */
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
  invertAffine,
  isUsableAffine,
  multiplyAffine,
  quaternionToAffine,
} from './affine';
export type { QuaternionForm } from './affine';
export {
  StatsAccumulator,
  assertFinite,
  cropOrPad,
  cropToNonzero,
  ctWindow,
  nonzeroBoundingBox,
  padToAtLeast,
  resampleToSpacing,
  toFloat32,
  volumeStats,
  voxelToWorld,
  worldToVoxel,
} from './ops';
export type { CtWindow, Interpolation, VolumeStats, VoxelBox } from './ops';
export { asLabelVolume, readImageWithLabel } from './load';
export type { ReadImageWithLabelOptions } from './load';
