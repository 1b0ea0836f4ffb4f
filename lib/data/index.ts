/**
 * lib/data — datasets for the BackSplit study.
 *
 * - types: SegmentationCase, ClassInfo, LabelMode
 * - random: the seeded PRNG (Random) used project-wide
 * - synthetic: the embedded default dataset (generateSyntheticDataset, SYNTHETIC_DEFAULTS, writeSyntheticMsd)
 * - case-files: file-backed case assembly (CaseFiles, CaseAssembly, assembleCase) and the lazy, cached SegmentationDataset
 * - manifest / msd / folder: loaders for a JSON manifest, the Medical Segmentation Decathlon layout, folder-per-case
 * - msd-write: export cases as an MSD folder
 * - splits: deterministic train/val/test splits saved as JSON
 * - crop: crop a case to its foreground bounding box
 */
export * from './types';
export * from './random';
export * from './fields';
export * from './synthetic';
export * from './case-files';
export * from './manifest';
export * from './msd';
export * from './msd-write';
export * from './folder';
export * from './splits';
export * from './crop';
export * from './colin';
