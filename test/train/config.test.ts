/**
 * Training config: defaults, merging, and clear errors naming the field.
 */
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig, DEFAULT_TRAIN_CONFIG, modelConfigFor } from '../../lib/train';

describe('resolveTrainConfig', () => {
  it('fills defaults and merges nested sections', () => {
    const c = resolveTrainConfig({ mode: 'backsplit', model: { channels: [8, 16] }, augment: { rotate90: false } });
    expect(c.mode).toBe('backsplit');
    expect(c.model.channels).toEqual([8, 16]);
    expect(c.model.family).toBe(DEFAULT_TRAIN_CONFIG.model.family);
    expect(c.augment.rotate90).toBe(false);
    expect(c.augment.flipProbability).toBe(DEFAULT_TRAIN_CONFIG.augment.flipProbability);
    expect(c.dataset).toEqual({ kind: 'synthetic', cases: 24, seed: 0 });
    expect(modelConfigFor(c, 8, 1)).toMatchObject({ spatialDims: 2, numClasses: 8, inChannels: 1 });
    expect(resolveTrainConfig({})).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  it('names the field, the expectation and the value in errors', () => {
    expect(() => resolveTrainConfig({ mode: 'multi' }, 'my.json')).toThrow(/my\.json: 'mode' must be 'binary' or 'backsplit', got "multi"/);
    expect(() => resolveTrainConfig({ stepz: 3 })).toThrow(/unknown field 'stepz'/);
    expect(() => resolveTrainConfig({ model: { chanels: [1] } })).toThrow(/unknown field 'model\.chanels'/);
    expect(() => resolveTrainConfig({ patchSize: [62, 64] })).toThrow(/'patchSize' must be multiples of 4/);
    expect(() => resolveTrainConfig({ patchSize: [64] })).toThrow(/'patchSize' must be \[H, W\]/);
    expect(() => resolveTrainConfig({ learningRate: -1 })).toThrow(/'learningRate' must be a positive number/);
    expect(() => resolveTrainConfig({ augment: { gammaRange: [2, 1] } })).toThrow(/augment\.gammaRange/);
    expect(() => resolveTrainConfig({ dataset: { kind: 'manifest' } })).toThrow(/'dataset\.path' must be a manifest file path/);
    expect(resolveTrainConfig({ dataset: { kind: 'colin' } }).dataset).toEqual({ kind: 'colin', cases: 16, seed: 0 });
    expect(() => resolveTrainConfig({ dataset: { kind: 'brats' } })).toThrow(/'synthetic', 'colin' or 'manifest'/);
    expect(() => resolveTrainConfig({ dataset: { kind: 'colin', path: 'x' } })).toThrow(/only kind, cases, seed for a colin dataset/);
    expect(() => resolveTrainConfig({ model: { family: 'vnet' } })).toThrow(/model: family must be one of/);
    expect(() => resolveTrainConfig([1])).toThrow(/must be a JSON object/);
  });
});
