/**
 * The case types every layer shares: a SegmentationCase (image channels, lesion
 * mask, optional auxiliary class map), the class table rows of a BackSplit label
 * map, and the label mode of a training run. One class map serves both modes: the
 * BackSplit map has 0 = unlabelled background, 1..K = auxiliary groups and
 * K+1 = lesion; the binary map collapses it to 0 = background, 1 = lesion.
 */
import type { Volume } from './volume';

/** One row of the class table that comes with a BackSplit label map. */
export interface ClassInfo {
  id: number;
  name: string;
  /** where the class came from: 'background', 'lesion', a file name, 'tissue-kmeans', 'synthetic', ... */
  source: string;
  voxels: number;
  volumeMl: number;
}

/** A case ready for training or evaluation: image channels + labels on one grid. */
export interface SegmentationCase {
  id: string;
  /** Image channels, all on the same grid, float32. */
  channels: Volume<Float32Array>[];
  channelNames: string[];
  /** Lesion mask (0/1). */
  lesion: Volume<Uint8Array>;
  /** Auxiliary class map (0 = unlabelled, 1..K = groups) when available. */
  aux?: Volume<Uint8Array>;
  /** Names of aux classes 1..K (index 0 = first group, i.e. class 1). */
  auxNames?: string[];
}

/** Training mode: the only thing that differs between the two arms of the study. */
export type LabelMode = 'binary' | 'backsplit';
