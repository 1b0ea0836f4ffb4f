/**
 * The protocol preset and runner: one study per protocol dataset, each seed with its own training
 * draw, and the primary endpoint over both datasets together (Holm across them) in primary.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { protocolStudies, StudyConfig } from '../../lib/study/config';
import { runProtocolStudies } from '../../lib/study/protocol-run';
import { loadProtocol } from '../../lib/study/protocol';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'protocol-run-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('protocolStudies', () => {
  it('gives one study per protocol synthetic dataset, with pooled training, ≥ 100 test cases by default', () => {
    const loaded = loadProtocol().protocol;
    for (const preset of ['quick', 'default'] as const) {
      const studies = protocolStudies(preset);
      expect(studies.map((s) => s.protocolDataset)).toEqual(['synthetic-mechanism', 'synthetic-null']);
      for (const s of studies) {
        expect(loaded.datasets.some((d) => d.id === s.protocolDataset)).toBe(true);
        expect(s.split.trainPerSeed).toBe(true);
        expect(s.seeds.length).toBeGreaterThanOrEqual(2);
        const pool = (s.dataset as { cases: number }).cases - s.split.test - s.split.validation;
        expect(pool).toBeGreaterThan(s.split.train);
      }
    }
    for (const s of protocolStudies('default')) expect(s.split.test).toBeGreaterThanOrEqual(100);
    // the same case ids in both conditions, so test sets pair up
    const [a, b] = protocolStudies('default');
    expect(a.dataset).toMatchObject({ cases: (b.dataset as { cases: number }).cases, seed: (b.dataset as { seed: number }).seed });
  });
});

/** The quick protocol studies shrunk to seconds: 7 cases, a 4/8 U-Net, 2 steps; folders under tmp. */
function tinyProtocolStudies(runs: string, report: string, seeds?: number[]): StudyConfig[] {
  return protocolStudies('quick').map((s) => ({
    ...s,
    ...(seeds ? { seeds } : {}),
    dataset: { ...s.dataset, cases: 7 } as StudyConfig['dataset'],
    split: { seed: 0, train: 2, validation: 0, test: 3, trainPerSeed: true },
    train: { ...s.train, model: { ...s.train.model!, channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 2, checkpointEvery: 0 },
    fisher: { patches: 1, samples: 1 },
    runsDir: path.join(tmp, runs, s.protocolDataset!),
    reportDir: path.join(tmp, report, s.protocolDataset!),
  }));
}

describe('runProtocolStudies', () => {
  it('writes a report per dataset and the joint primary endpoint', async () => {
    const studies = tinyProtocolStudies('runs', 'report');
    const lines: string[] = [];
    const r = await runProtocolStudies(studies, (l) => lines.push(l), { workers: 1 });
    expect(r.primaryFile).toBe(path.join(tmp, 'report', 'primary.json'));
    const written = JSON.parse(fs.readFileSync(r.primaryFile, 'utf8'));
    expect(written.primary.protocol_sha256).toBe(loadProtocol().sha256);
    expect(Object.keys(written.primary.datasets).sort()).toEqual(['synthetic-mechanism', 'synthetic-null']);
    for (const d of ['synthetic-mechanism', 'synthetic-null']) {
      expect(written.primary.datasets[d].arms.backsplit.n_seeds).toBe(2);
      expect(fs.existsSync(path.join(tmp, 'report', d, 'report.html'))).toBe(true);
    }
    expect(r.lines.join('\n')).toMatch(/synthetic-null/);
    expect(lines[0]).toMatch(/^protocol: /);
    // no validation cases in this split: no learning curves, so the conclusions cannot say training settled
    expect(r.trainingSettled).toBeNull();
    expect(r.conclusions.overview).toContain('No run recorded at least two validation measurements, so this run cannot show that training had settled (docs/protocol.md, "Stopping rule").');
    // beside primary.json: the forest plot of every comparison and the generated conclusions, also in the log
    const root = path.join(tmp, 'report');
    expect(r.outputFiles.map((f) => path.relative(root, f)).sort()).toEqual(expect.arrayContaining(['conclusions.md', 'forest.html']));
    const md = fs.readFileSync(path.join(root, 'conclusions.md'), 'utf8');
    expect(md).toContain('These results hold synthetic-mechanism (mechanism-positive) with 2 seeds and synthetic-null (null) with 2 seeds; synthetic-current and emidec were not run.');
    expect(md).toContain('With 2 seeds (synthetic-mechanism and synthetic-null) the exact sign-flip test cannot give a p below 2/2^2 = 0.5');
    expect(md).toMatch(/Claim: (inconclusive|neither supported nor refuted as a whole)/);
    expect(lines).toContain(`  ${r.conclusions.overview[0]}`);
    expect(fs.readFileSync(path.join(root, 'forest.html'), 'utf8')).toContain('synthetic-null: backsplit vs binary');
    for (const d of ['synthetic-mechanism', 'synthetic-null']) {
      const results = JSON.parse(fs.readFileSync(path.join(root, d, 'results.json'), 'utf8'));
      expect(results.conclusions[0]).toMatch(/^These sentences are drawn from this report's dataset alone/);
      expect(results.conclusions).toContain(`These results hold ${d} (${d === 'synthetic-null' ? 'null' : 'mechanism-positive'}) with 2 seeds; ` +
        `${['synthetic-mechanism', 'synthetic-null', 'synthetic-current', 'emidec'].filter((x) => x !== d).join(', ').replace(/, (?=[^,]*$)/, ' and ')} are not in this report.`);
      const html = fs.readFileSync(path.join(root, d, 'report.html'), 'utf8');
      for (const heading of ['Primary endpoint: forest plot', 'What this run can and cannot conclude', 'Learning curves (validation)']) expect(html).toContain(heading);
      // the study has no validation cases: one sentence instead of an empty figure
      expect(html).toContain('No run of this study recorded a validation measurement');
      // the FROC section: a figure, or one sentence when the tiny test set holds no small lesion
      expect(html).toMatch(/Small-lesion FROC per arm/);
    }
  }, 300_000);

  it('trains the pending runs of every dataset in one worker pool, then finds them done', async () => {
    const studies = tinyProtocolStudies('pooled-runs', 'pooled-report', [0]);
    const lines: string[] = [];
    const fractions: number[] = [];
    const r = await runProtocolStudies(studies, (l) => lines.push(l), { workers: 2, onFraction: (f) => fractions.push(f) });
    // one pool for the 2 × 2 runs of both datasets, not one per dataset
    expect(lines.filter((l) => l.startsWith('throughput mode: ') && l.includes('worker process'))).toEqual(['throughput mode: 4 run(s) on 2 worker process(es), 1 wasm thread(s) each']);
    expect(lines.filter((l) => /finished run found, reusing/.test(l))).toHaveLength(4);
    for (const d of ['synthetic-mechanism', 'synthetic-null']) {
      for (const run of ['binary-seed0', 'backsplit-seed0']) {
        expect(fs.readFileSync(path.join(tmp, 'pooled-runs', d, run, 'worker.log'), 'utf8')).toContain('received from the study process');
      }
    }
    expect(Object.keys(JSON.parse(fs.readFileSync(r.primaryFile, 'utf8')).primary.datasets).sort()).toEqual(['synthetic-mechanism', 'synthetic-null']);
    // progress only moves forward and ends at 1
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1] - 1e-12);
    expect(fractions[fractions.length - 1]).toBeCloseTo(1, 9);
  }, 300_000);

  it('refuses a study that names no protocol dataset', async () => {
    const [s] = protocolStudies('quick');
    await expect(runProtocolStudies([{ ...s, protocolDataset: undefined }], () => undefined)).rejects.toThrow(/name no protocol dataset/);
  });
});
