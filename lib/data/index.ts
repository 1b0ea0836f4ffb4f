/**
 * lib/data — datasets for the BackSplit study.
 *
 * - synthetic: the embedded default dataset (generateSyntheticDataset, SYNTHETIC_DEFAULTS, writeSyntheticMsd)
 * - dataset: SegmentationDataset (lazy, cached), case assembly from files
 * - manifest / msd / folder: loaders for a JSON manifest, the Medical Segmentation Decathlon layout, folder-per-case
 * - msd-write: export cases as an MSD folder
 * - splits: deterministic train/val/test splits saved as JSON
 * - crop: crop a case to its foreground bounding box
 */
export * from './fields';
export * from './synthetic';
export * from './dataset';
export * from './manifest';
export * from './msd';
export * from './msd-write';
export * from './folder';
export * from './splits';
export * from './crop';
export * from './colin';
