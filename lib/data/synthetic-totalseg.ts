/**
 * The embedded synthetic dataset "as if labelled by TotalSegmentator": each
 * synthetic anatomy class is written with the id of a TotalSegmentator `total`
 * class, so the built-in `total` grouping spec applies to it exactly as to a
 * real TotalSegmentator output (notebook 06 uses it to practise the MSD +
 * TotalSegmentator workflow without downloading data).
 */
import { makeVolume, Volume } from '../core/volume';
import { loadGroupSpec } from '../labels/spec';
import type { SegmentationCase } from '../core/types';

/**
 * Which TotalSegmentator `total` class stands in for each synthetic anatomy class
 * (null: TotalSegmentator has no such class and leaves the voxels unlabelled).
 */
export const SYNTHETIC_AS_TOTALSEGMENTATOR: Readonly<Record<string, string | null>> = Object.freeze({
  body_wall: 'autochthon_left',
  organ: 'liver',
  kidney: 'kidney_right',
  vessel: 'aorta',
  cyst: null,
  bone: 'vertebrae_L3',
});

/**
 * An auxiliary map "as if from TotalSegmentator" for a synthetic case: each anatomy class is
 * written with the id of a TotalSegmentator `total` class (SYNTHETIC_AS_TOTALSEGMENTATOR), so the
 * built-in `total` grouping spec applies to it exactly as to a real TotalSegmentator output.
 * @throws Error when the case has no aux map or a class has no mapping
 */
export function totalSegmentatorStyleLabels(c: SegmentationCase): Volume<Uint8Array> {
  if (!c.aux || !c.auxNames) throw new Error(`totalSegmentatorStyleLabels: case ${c.id} has no auxiliary map with class names`);
  const spec = loadGroupSpec('total');
  const idOf = new Map<string, number>();
  for (const [id, name] of spec.classNames) idOf.set(name, id);
  const lut = new Uint8Array(c.auxNames.length + 1);
  c.auxNames.forEach((name, i) => {
    if (!(name in SYNTHETIC_AS_TOTALSEGMENTATOR)) throw new Error(`totalSegmentatorStyleLabels: case ${c.id}: no TotalSegmentator class for '${name}'`);
    const ts = SYNTHETIC_AS_TOTALSEGMENTATOR[name];
    if (ts === null) return;
    const id = idOf.get(ts);
    if (id === undefined || id > 255) throw new Error(`totalSegmentatorStyleLabels: '${ts}' is not a TotalSegmentator total class id ≤ 255 in ${spec.origin}`);
    lut[i + 1] = id;
  });
  const out = new Uint8Array(c.aux.data.length);
  for (let v = 0; v < out.length; v++) {
    const k = c.aux.data[v];
    if (k >= lut.length) throw new Error(`totalSegmentatorStyleLabels: case ${c.id}: aux value ${k} at voxel ${v} exceeds its ${c.auxNames.length} classes`);
    out[v] = lut[k];
  }
  return makeVolume(out, c.aux.dims, c.aux.spacing, c.aux.affine);
}
