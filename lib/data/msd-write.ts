/**
 * Writing cases as a Medical Segmentation Decathlon folder (dataset.json,
 * imagesTr/<id>.nii.gz with one 3D volume per channel stacked along the 4th
 * dimension, labelsTr/<id>.nii.gz with one combined label map). Used to export
 * the embedded synthetic dataset for other tools, and by tests to build
 * miniature MSD folders.
 */
import { mkdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { encodeNifti, writeNifti } from '../io/nifti-write';
import { makeVolume, Volume } from '../core/volume';
import type { SegmentationCase } from '../core/types';

/**
 * Encode channels as one 4D NIfTI-1 (float32): the 3D header of the first channel
 * with dim[0] = 4 and dim[4] = channel count, followed by every channel's voxels.
 * A single channel gives a plain 3D file.
 */
export function encodeMultiChannelNifti(channels: Volume[], file = '<memory>'): Uint8Array {
  if (channels.length === 0) throw new RangeError(`${file}: no channels to write`);
  const parts = channels.map((c, i) => encodeNifti(c, { datatype: 'float32' }, `${file} channel ${i}`));
  if (parts.length === 1) return parts[0];
  const view0 = new DataView(parts[0].buffer, parts[0].byteOffset, parts[0].byteLength);
  const voxOffset = view0.getFloat32(108, true);
  const voxBytes = parts[0].length - voxOffset;
  const out = new Uint8Array(voxOffset + voxBytes * parts.length);
  out.set(parts[0], 0);
  parts.forEach((p, i) => {
    if (p.length - voxOffset !== voxBytes) throw new RangeError(`${file}: channel ${i} has a different grid than channel 0`);
    out.set(p.subarray(voxOffset), voxOffset + i * voxBytes);
  });
  const view = new DataView(out.buffer);
  view.setInt16(40, 4, true); // dim[0]
  view.setInt16(48, parts.length, true); // dim[4]
  view.setFloat32(76 + 16, 1, true); // pixdim[4]
  return out;
}

export interface WriteMsdOptions {
  /** dataset.json "name" (default: folder name). */
  name?: string;
  description?: string;
  /** Label value of each aux class 1..K in labelsTr (default: the class id itself). */
  auxValues?: number[];
  /** Label value of the lesion in labelsTr (default: number of aux classes + 1). */
  lesionValue?: number;
  lesionName?: string;
}

/**
 * Write cases as an MSD task folder. Label files hold aux classes 1..K (from each
 * case's `aux`/`auxNames`, which must agree across cases) and the lesion as K+1
 * (or `lesionValue`), lesion overriding aux.
 * @returns the dataset.json object written
 */
export function writeMsdDataset(dir: string, cases: SegmentationCase[], options: WriteMsdOptions = {}): Record<string, unknown> {
  if (cases.length === 0) throw new RangeError('writeMsdDataset: no cases');
  const auxNames = cases[0].auxNames ?? [];
  const channelNames = cases[0].channelNames;
  for (const c of cases) {
    if (JSON.stringify(c.auxNames ?? []) !== JSON.stringify(auxNames)) throw new Error(`writeMsdDataset: case ${c.id} has aux names ${JSON.stringify(c.auxNames)}, case ${cases[0].id} has ${JSON.stringify(auxNames)}`);
    if (JSON.stringify(c.channelNames) !== JSON.stringify(channelNames)) throw new Error(`writeMsdDataset: case ${c.id} has channels ${c.channelNames.join(',')}, expected ${channelNames.join(',')}`);
  }
  const auxValues = options.auxValues ?? auxNames.map((_, i) => i + 1);
  if (auxValues.length !== auxNames.length || new Set(auxValues).size !== auxValues.length || !auxValues.every((v) => Number.isInteger(v) && v > 0 && v < 256)) {
    throw new Error(`writeMsdDataset: auxValues ${JSON.stringify(auxValues)} must be ${auxNames.length} distinct integers in 1..255`);
  }
  const lesionValue = options.lesionValue ?? Math.max(0, ...auxValues) + 1;
  const clash = auxValues.indexOf(lesionValue);
  if (clash >= 0) throw new Error(`writeMsdDataset: lesionValue ${lesionValue} collides with aux class ${auxNames[clash]}`);
  const lut = Uint8Array.from([0, ...auxValues]);
  mkdirSync(path.join(dir, 'imagesTr'), { recursive: true });
  mkdirSync(path.join(dir, 'labelsTr'), { recursive: true });
  const training: Array<{ image: string; label: string }> = [];
  for (const c of cases) {
    const img = `./imagesTr/${c.id}.nii.gz`;
    const lab = `./labelsTr/${c.id}.nii.gz`;
    writeFileSync(path.join(dir, img), gzipSync(encodeMultiChannelNifti(c.channels, img), { level: 6 }));
    const data = new Uint8Array(c.lesion.data.length);
    if (c.aux) {
      for (let p = 0; p < data.length; p++) {
        const v = c.aux.data[p];
        if (v > auxNames.length) throw new Error(`writeMsdDataset: case ${c.id} has aux value ${v} but only ${auxNames.length} aux names`);
        data[p] = lut[v];
      }
    }
    for (let p = 0; p < data.length; p++) if (c.lesion.data[p]) data[p] = lesionValue;
    writeNifti(path.join(dir, lab), makeVolume(data, c.lesion.dims, c.lesion.spacing, c.lesion.affine), { datatype: 'uint8' });
    training.push({ image: img, label: lab });
  }
  const labels: Record<string, string> = { '0': 'background' };
  const entries: Array<[number, string]> = [...auxNames.map((n, i) => [auxValues[i], n] as [number, string]), [lesionValue, options.lesionName ?? 'lesion']];
  for (const [v, n] of entries.sort((a, b) => a[0] - b[0])) labels[String(v)] = n;
  const json = {
    name: options.name ?? path.basename(path.resolve(dir)),
    description: options.description ?? '',
    tensorImageSize: channelNames.length > 1 ? '4D' : '3D',
    modality: Object.fromEntries(channelNames.map((n, i) => [String(i), n])),
    labels,
    numTraining: training.length,
    numTest: 0,
    training,
    test: [],
  };
  writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify(json, null, 2) + '\n');
  return json;
}
