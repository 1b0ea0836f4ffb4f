/**
 * The memory pre-flight check: configs that cannot fit (huge batch, huge patch,
 * huge synthetic dataset) are refused with the estimate in the message before
 * anything is allocated; the defaults and every study preset pass.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from '../../lib/train/config';
import { checkTrainMemory, estimateTrainMemory } from '../../lib/train/memory';
import { studyPreset } from '../../lib/study/config';
import { train } from '../../lib/run';
import { tinyCases } from './helpers/fixtures';

const GB16 = { maxMemoryGB: 16 };

describe('checkTrainMemory', () => {
  it('passes the defaults and every study preset (both arms) on a 16 GB limit', () => {
    expect(checkTrainMemory(resolveTrainConfig({}), null, GB16).total).toBeLessThan(1e9);
    for (const preset of ['quick', 'default', 'full'] as const) {
      const p = studyPreset(preset);
      for (const mode of ['binary', 'backsplit'] as const) {
        const c = resolveTrainConfig({ ...p.train, mode, dataset: p.dataset, outputDir: 'x' });
        expect(() => checkTrainMemory(c, null, GB16), `${preset} ${mode}`).not.toThrow();
      }
    }
  });

  it('refuses a huge batch, a huge patch and a huge synthetic dataset with the estimate in the message', () => {
    expect(() => checkTrainMemory(resolveTrainConfig({ batchSize: 1e8 }), null, { ...GB16, source: 'big.json' })).toThrow(
      /^big\.json: estimated memory need [\d.]+ PB \(activations [\d.]+ PB for batchSize 100000000 × patchSize \[64, 64\] × channels \[16, 32, 64\], parameters [\d.]+ GB, dataset [\d.]+ GB\) exceeds the limit of 16\.0 GB \(maxMemoryGB\)/,
    );
    expect(() => checkTrainMemory(resolveTrainConfig({ patchSize: [4096, 4096] }), null, GB16)).toThrow(/estimated memory need [\d.]+ GB \(activations [\d.]+ GB for batchSize 4 × patchSize \[4096, 4096\]/);
    expect(() => checkTrainMemory(resolveTrainConfig({ dataset: { kind: 'synthetic', cases: 100000 } }), null, GB16)).toThrow(/dataset 210 GB\) exceeds the limit/);
  });

  it('scales with batch and patch, and takes the limit from BACKSPLIT_MAX_MEMORY_GB', () => {
    const a = estimateTrainMemory(DEFAULT_TRAIN_CONFIG, 0);
    const b = estimateTrainMemory({ ...DEFAULT_TRAIN_CONFIG, batchSize: 8 }, 0);
    expect(b.activations).toBeCloseTo(2 * a.activations);
    expect(b.parameters).toBe(a.parameters);
    const old = process.env.BACKSPLIT_MAX_MEMORY_GB;
    process.env.BACKSPLIT_MAX_MEMORY_GB = '0.001';
    try {
      expect(() => checkTrainMemory(DEFAULT_TRAIN_CONFIG)).toThrow(/limit of 0\.00100 GB \(BACKSPLIT_MAX_MEMORY_GB\)/);
    } finally {
      if (old === undefined) delete process.env.BACKSPLIT_MAX_MEMORY_GB;
      else process.env.BACKSPLIT_MAX_MEMORY_GB = old;
    }
    expect(() => checkTrainMemory(DEFAULT_TRAIN_CONFIG, null, { maxMemoryGB: -1 })).toThrow(/must be a positive number of GB/);
  });

  it('train() refuses before writing anything to the run folder', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bs-mem-')), 'run');
    const config = resolveTrainConfig({ batchSize: 1e8, outputDir: dir });
    await expect(train({ config, trainCases: tinyCases(2, 1) })).rejects.toThrow(/^train: estimated memory need/);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
