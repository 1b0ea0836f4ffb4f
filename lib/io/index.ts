/**
 * lib/io public surface: NIfTI reading/writing, typed errors, affine helpers and the
 * common volume operations (the Volume type, grid check and z-scoring are lib/core's).
 */
export * from './errors';
export { readNifti } from './nifti';
export { writeNifti } from './nifti-write';
export { cropOrPad, nonzeroBoundingBox, voxelToWorld, worldToVoxel } from './ops';
