import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../lib/core/volume';
import { cropToBrain, describeBrainCrop } from '../../lib/data/brain-crop';

describe('cropToBrain / describeBrainCrop', () => {
  it('crops image, lesion and mask to image > 0 plus the margin', () => {
    // 7×1×1: brain on voxels 2..4, lesion on voxel 3
    const image = makeVolume(Float32Array.from([0, 0, 5, 6, 7, 0, 0]), [7, 1, 1], [1, 1, 1]);
    const lesion = makeVolume(Uint8Array.from([0, 0, 0, 1, 0, 0, 0]), [7, 1, 1], [1, 1, 1]);
    const crop = cropToBrain(image, lesion, 1);
    expect(crop.image.dims).toEqual([5, 1, 1]);
    expect(Array.from(crop.image.data)).toEqual([0, 5, 6, 7, 0]);
    expect(Array.from(crop.lesion.data)).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(crop.mask.data)).toEqual([0, 1, 1, 1, 0]);
    expect(describeBrainCrop(crop, 'T1')).toBe('T1 7×1×1 cropped to the brain box 5×1×1 (3 brain voxels, 0 mL at 1 mm)');
    expect(() => cropToBrain(makeVolume(new Float32Array(3), [3, 1, 1], [1, 1, 1]), lesion, 1)).toThrow(RangeError);
  });
});
