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

describe('runProtocolStudies', () => {
  it('writes a report per dataset and the joint primary endpoint', async () => {
    const studies: StudyConfig[] = protocolStudies('quick').map((s) => ({
      ...s,
      dataset: { ...s.dataset, cases: 7 } as StudyConfig['dataset'],
      split: { seed: 0, train: 2, validation: 0, test: 3, trainPerSeed: true },
      train: { ...s.train, model: { ...s.train.model!, channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 2, checkpointEvery: 0 },
      fisher: { patches: 1, samples: 1 },
      runsDir: path.join(tmp, 'runs', s.protocolDataset!),
      reportDir: path.join(tmp, 'report', s.protocolDataset!),
    }));
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
  }, 300_000);

  it('refuses a study that names no protocol dataset', async () => {
    const [s] = protocolStudies('quick');
    await expect(runProtocolStudies([{ ...s, protocolDataset: undefined }], () => undefined)).rejects.toThrow(/name no protocol dataset/);
  });
});
