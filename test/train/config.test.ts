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
    expect(() => resolveTrainConfig({ mode: 'multi' }, 'my.json')).toThrow(/my\.json: 'mode' must be one of 'binary', 'backsplit', 'backsplit-anchored', .*'backsplit-placebo-quantile', got "multi"/);
    expect(() => resolveTrainConfig({ stepz: 3 })).toThrow(/unknown field 'stepz'/);
    expect(() => resolveTrainConfig({ model: { chanels: [1] } })).toThrow(/unknown field 'model\.chanels'/);
    expect(() => resolveTrainConfig({ patchSize: [62, 64] })).toThrow(/'patchSize' must be multiples of 4/);
    expect(() => resolveTrainConfig({ patchSize: [64] })).toThrow(/'patchSize' must be \[H, W\]/);
    expect(() => resolveTrainConfig({ learningRate: -1 })).toThrow(/'learningRate' must be a positive number/);
    expect(() => resolveTrainConfig({ augment: { gammaRange: [2, 1] } })).toThrow(/augment\.gammaRange/);
    expect(() => resolveTrainConfig({ dataset: { kind: 'manifest' } })).toThrow(/'dataset\.path' must be a manifest file path/);
    expect(resolveTrainConfig({ dataset: { kind: 'colin' } }).dataset).toEqual({ kind: 'colin', cases: 16, seed: 0 });
    expect(() => resolveTrainConfig({ dataset: { kind: 'brats' } }, 'my.json')).toThrow(
      /my\.json: 'dataset\.kind' must be one of 'synthetic', 'colin', 'manifest', 'msd', 'folder', 'emidec', got "brats"/,
    );
    expect(() => resolveTrainConfig({ dataset: { kind: 'colin', path: 'x' } })).toThrow(/unknown field 'dataset\.path' \(a colin dataset has only kind, cases, seed\)/);
    expect(() => resolveTrainConfig({ dataset: { kind: 'synthetic', cases: 0 } })).toThrow(/'dataset\.cases' must be a positive integer, got 0/);
    expect(() => resolveTrainConfig({ dataset: 'synthetic' })).toThrow(/'dataset' must be an object \{kind, \.\.\.\}/);
    expect(() => resolveTrainConfig({ model: { family: 'vnet' } })).toThrow(/model: family must be one of/);
    expect(() => resolveTrainConfig([1])).toThrow(/must be a JSON object/);
  });

  it('accepts msd and folder datasets and names their fields in errors', () => {
    const msd = { kind: 'msd', path: 'Task03_Liver', lesionLabels: [2], extraAux: { dir: 'auxTr', groups: 'total' } };
    expect(resolveTrainConfig({ dataset: msd }).dataset).toEqual(msd);
    expect(resolveTrainConfig({ dataset: { kind: 'msd', path: 'T', lesionLabels: [2], auxLabels: 'rest' } }).dataset).toMatchObject({ auxLabels: 'rest' });
    expect(() => resolveTrainConfig({ dataset: { kind: 'msd', path: 'T' } })).toThrow(/'dataset\.lesionLabels' must be a non-empty list of positive integer label values, got undefined/);
    expect(() => resolveTrainConfig({ dataset: { kind: 'msd', path: 'T', lesionLabels: [2], extraAux: { dir: 'a' } } })).toThrow(/'dataset\.extraAux\.groups' must be a grouping spec/);
    expect(() => resolveTrainConfig({ dataset: { kind: 'msd', path: 'T', lesionLabels: [2], tissue: { channel: 'CT', classes: 0 } } })).toThrow(/'dataset\.tissue\.classes' must be a positive integer, got 0/);
    const folder = { kind: 'folder', path: 'openms', channels: ['FLAIR', 'T1'], lesion: 'gt', aux: ['synthseg'], auxGroups: 'synthseg' };
    expect(resolveTrainConfig({ dataset: folder }).dataset).toEqual(folder);
    expect(() => resolveTrainConfig({ dataset: { ...folder, auxGroups: undefined } })).toThrow(/'dataset\.auxGroups' must be a grouping spec \(or give auxNames\) for the aux files/);
    expect(() => resolveTrainConfig({ dataset: { ...folder, channels: [] } })).toThrow(/'dataset\.channels' must be a non-empty list of channel file stems, got \[\]/);
    expect(() => resolveTrainConfig({ dataset: { ...folder, lesions: 'gt' } })).toThrow(/unknown field 'dataset\.lesions' \(a folder dataset has only kind, path, channels, lesion/);
  });
});
