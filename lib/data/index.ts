/**
 * lib/data — datasets for the BackSplit study.
 *
 * - synthetic: the embedded default dataset (generateSyntheticDataset, SYNTHETIC_DEFAULTS, writeSyntheticMsd)
 * - synthetic-conditions: the dataset under a condition — mechanism-positive, null or current (generateConditionDataset, CONDITION_DEFAULTS)
 * - case-files: file-backed case assembly (CaseFiles, CaseAssembly, assembleCase) and the lazy, cached SegmentationDataset
 * - registry (+ kinds/): the dataset kinds a config names (synthetic, colin, manifest, msd, folder, emidec): resolveDatasetConfig, loadDataset
 * - emidec / emidec-source: the EMIDEC importer (PNG slices or NIfTI cases → MSD folder with the label policy), its on-the-fly cache;
 *   emidec-summary: what a loaded EMIDEC dataset holds (cases, classes, spacing and licence statements)
 * - manifest / msd / folder: loaders for a JSON manifest, the Medical Segmentation Decathlon layout (+ checkMsdLayout, manifestFromMsd), folder-per-case
 * - synthetic-totalseg: the synthetic dataset's aux maps written with TotalSegmentator ids
 * - msd-write: export cases as an MSD folder; miniature-msd: a small synthetic MSD task with TotalSegmentator-style aux labels
 * - splits: deterministic train/val/test splits saved as JSON
 * - crop: crop a case to its foreground bounding box; brain-crop: an image + lesion mask cropped to image > 0
 */
export * from './fields';
export * from './synthetic';
export * from './synthetic-conditions';
export * from './synthetic-totalseg';
export * from './case-files';
export * from './manifest';
export * from './msd';
export * from './msd-write';
export * from './folder';
export * from './splits';
export * from './crop';
export * from './brain-crop';
export * from './miniature-msd';
export * from './colin';
export * from './registry';
export * from './emidec';
export * from './emidec-summary';
