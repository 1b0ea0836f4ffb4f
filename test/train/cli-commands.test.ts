/**
 * `backsplit train` and `backsplit predict` end to end on the embedded
 * synthetic dataset with a tiny model (cpu backend): config errors, the run
 * folder, and predictions written on the input grid.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trainCommand } from '../../lib/cli/commands/train';
import { predictCommand } from '../../lib/cli/commands/predict';
import { UsageError } from '../../lib/cli/args';
import { generateSyntheticDataset, writeSyntheticMsd } from '../../lib/data/synthetic';
import { readNifti } from '../../lib/io/nifti';
import { writeNifti } from '../../lib/io/nifti-write';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const runDir = path.join(dir, 'run');
const configFile = path.join(dir, 'config.json');
fs.writeFileSync(
  configFile,
  JSON.stringify({
    mode: 'backsplit',
    model: { channels: [4, 8] },
    patchSize: [32, 32],
    batchSize: 2,
    steps: 6,
    dataset: { kind: 'synthetic', cases: 3, seed: 0 },
    validation: { cases: 1, every: 0, overlap: 0 },
    checkpointEvery: 3,
    outputDir: runDir,
  }),
);

describe('backsplit train', () => {
  it('reports config errors as usage errors naming the file and field', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ mode: 'binary', batchSize: 0 }));
    await expect(trainCommand.run(['--config', bad, '--backend', 'cpu'])).rejects.toThrow(UsageError);
    await expect(trainCommand.run(['--config', bad, '--backend', 'cpu'])).rejects.toThrow(/bad\.json: 'batchSize' must be a positive integer, got 0/);
    await expect(trainCommand.run(['--config', path.join(dir, 'missing.json')])).rejects.toThrow(/not found/);
  });

  it('refuses a config that is not an object whatever the override flags (null, array, number)', async () => {
    for (const [name, value, shown] of [
      ['null.json', null, 'null'],
      ['array.json', [{ mode: 'binary' }], 'an array'],
      ['number.json', 3, '3'],
    ] as const) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, JSON.stringify(value));
      for (const flags of [[], ['--steps', '2'], ['--mode', 'binary', '--out', path.join(dir, 'never')]]) {
        const run = trainCommand.run(['--config', f, '--backend', 'cpu', ...flags]);
        await expect(run, `${name} ${flags}`).rejects.toThrow(UsageError);
        await expect(run, `${name} ${flags}`).rejects.toThrow(new RegExp(`${name.replace('.', '\\.')}: (the config )?must be a JSON object.*${shown.replace('[', '\\[')}`));
      }
    }
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('refuses configs that cannot fit in memory before loading any data, with the estimate', async () => {
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, JSON.stringify({ dataset: { kind: 'synthetic', cases: 100000 }, outputDir: path.join(dir, 'big') }));
    const run = trainCommand.run(['--config', big, '--backend', 'cpu', '--max-memory-gb', '16']);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(/big\.json: estimated memory need .*dataset 210 GB\) exceeds the limit of 16\.0 GB/);
    expect(fs.existsSync(path.join(dir, 'big'))).toBe(false);
  });

  it('trains a BackSplit run into the run folder', async () => {
    const code = await trainCommand.run(['--config', configFile, '--backend', 'cpu', '--quiet']);
    expect(code).toBe(0);
    for (const f of ['config.json', 'meta.json', 'metrics.jsonl', 'checkpoints/final.ckpt']) expect(fs.existsSync(path.join(runDir, f)), f).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(runDir, 'meta.json'), 'utf8'));
    expect(meta.layout.numClasses).toBe(8); // background + 6 synthetic aux groups + lesion
    expect(meta.backendReport.name).toBe('cpu');
    expect(meta.dataset).toMatchObject({ kind: 'synthetic', cases: 3 });
  });

  it('trains from an MSD task folder named in the config file (paths relative to it)', async () => {
    const msdConfig = path.join(dir, 'msd-config.json');
    writeSyntheticMsd(path.join(dir, 'Task90_Synthetic'), generateSyntheticDataset({ seed: 2, cases: 3 }));
    fs.writeFileSync(
      msdConfig,
      JSON.stringify({
        mode: 'backsplit',
        model: { channels: [4, 8] },
        patchSize: [32, 32],
        batchSize: 2,
        steps: 2,
        dataset: { kind: 'msd', path: 'Task90_Synthetic', lesionLabels: [7] },
        validation: { cases: 1, every: 0, overlap: 0 },
        outputDir: path.join(dir, 'run-msd'),
      }),
    );
    expect(await trainCommand.run(['--config', msdConfig, '--backend', 'cpu', '--quiet'])).toBe(0);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'run-msd', 'meta.json'), 'utf8'));
    expect(meta.dataset).toMatchObject({ kind: 'msd', path: path.join(dir, 'Task90_Synthetic'), cases: 3, lesionLabels: [7] });
    expect(meta.layout.numClasses).toBe(8); // the 6 synthetic aux groups come back from the MSD label file
  });
});

describe('backsplit predict', () => {
  const [c] = generateSyntheticDataset({ seed: 5, cases: 1 });
  const image = path.join(dir, 'image.nii.gz');
  writeNifti(image, c.channels[0]);

  it('writes a lesion mask, a class map and a lesion probability on the input grid', async () => {
    const out = path.join(dir, 'mask.nii.gz');
    expect(await predictCommand.run(['--run', runDir, '--image', image, '--out', out, '--backend', 'cpu', '--overlap', '0'])).toBe(0);
    const mask = readNifti(out).volume;
    expect(mask.dims).toEqual(c.channels[0].dims);
    expect(mask.affine).toEqual(c.channels[0].affine);
    expect(Array.from(new Set(mask.data)).every((v) => v === 0 || v === 1)).toBe(true);

    const all = path.join(dir, 'classes.nii.gz');
    await predictCommand.run(['--run', runDir, '--image', image, '--out', all, '--labels', 'all', '--backend', 'cpu', '--overlap', '0']);
    const classes = readNifti(all).volume.data;
    let maxClass = 0;
    let disagree = 0;
    for (let i = 0; i < classes.length; i++) {
      maxClass = Math.max(maxClass, classes[i]);
      if ((classes[i] === 7 ? 1 : 0) !== mask.data[i]) disagree++;
    }
    expect(maxClass).toBeLessThan(8);
    expect(maxClass).toBeGreaterThan(0);
    expect(disagree).toBe(0);

    const prob = path.join(dir, 'prob.nii.gz');
    await predictCommand.run(['--run', runDir, '--image', image, '--out', prob, '--probabilities', '--backend', 'cpu', '--overlap', '0']);
    const p = readNifti(prob).volume.data;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of p) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(lo);
  });

  it('rejects a folder that is not a run and bad flags', async () => {
    await expect(predictCommand.run(['--run', dir, '--image', image, '--out', path.join(dir, 'x.nii'), '--backend', 'cpu'])).rejects.toThrow(/not a training run folder/);
    await expect(predictCommand.run(['--run', runDir, '--image', image, '--out', 'x.nii', '--labels', 'some'])).rejects.toThrow(/--labels must be/);
    await expect(predictCommand.run(['--run', runDir, '--image', `${image},${image}`, '--out', 'x.nii', '--backend', 'cpu'])).rejects.toThrow(/takes 1 channel/);
  });
});
