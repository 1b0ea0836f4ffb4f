/**
 * The EMIDEC study end to end on the real data beside the project (../shared/data/emidec-lge;
 * skipped with the reason when absent): the `quick` preset of `reproduce --dataset emidec:<folder>`
 * trains binary and BackSplit on real patients and evaluates both on held-out patients.
 * Checks the parts a reader relies on: patients never straddle train/validation/test (a case is a
 * patient, all of whose slices stay in it), the class layout is EMIDEC's (cavity, myocardium),
 * every test patient is scored by every arm (binary, BackSplit argmax, BackSplit sum rule), the
 * centre crop keeps every labelled pixel, and the validation curve was recorded.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../lib/data/registry';
import { readRunMetrics } from '../../lib/run/metrics';
import { emidecStudy, StudyConfig } from '../../lib/study/config';
import { ARM_BACKSPLIT, ARM_BACKSPLIT_SUM, ARM_BINARY, runStudy, StudyResults } from '../../lib/study/pipeline';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = process.env.BACKSPLIT_SHARED_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
const LGE = path.join(SHARED, 'emidec-lge');
const noData = existsSync(LGE) ? null : `${LGE} is missing (the shared EMIDEC data is not on this machine)`;
if (noData) console.warn(`skipping the EMIDEC study test: ${noData}`);

const work = mkdtempSync(path.join(tmpdir(), 'backsplit-emidec-study-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Patients (Case_<id>) of the PNG folder, and slices per patient. */
function slicesPerPatient(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of readdirSync(path.join(LGE, 'labels'))) {
    const id = f.replace(/_slice\d+\.png$/, '');
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(noData !== null)('the EMIDEC study (quick preset, real patients)', () => {
  let cfg: StudyConfig;
  let results: StudyResults;

  it('runs end to end with patients, not slices, as the unit of the split', async () => {
    cfg = { ...emidecStudy('quick', LGE), runsDir: path.join(work, 'runs'), reportDir: path.join(work, 'report') };
    results = await runStudy(cfg, () => undefined);
    const { train, val, test } = results.splits;
    expect([train.length, val.length, test.length]).toEqual([48, 8, 24]);
    const all = [...train, ...val, ...test];
    expect(new Set(all).size).toBe(80);
    const patients = slicesPerPatient();
    expect([...patients.keys()].sort()).toEqual([...all].sort());
    expect(results.layouts.backsplit.classNames).toEqual(['background', 'cavity', 'myocardium', 'lesion']);
    expect(results.layouts.binary.numClasses).toBe(2);
  }, 900_000);

  it('scores every held-out patient with every arm, and keeps the slices whole', () => {
    for (const arm of [ARM_BINARY, ARM_BACKSPLIT, ARM_BACKSPLIT_SUM]) {
      const ids = results.cases.filter((c) => c.model === arm).map((c) => c.caseId).sort();
      expect(ids).toEqual([...results.splits.test].sort());
    }
    const patients = slicesPerPatient();
    const { cases } = loadDataset(cfg.dataset);
    for (const c of cases) expect(c.lesion.dims).toEqual([128, 128, patients.get(c.id)]);
  }, 300_000);

  it('keeps every labelled pixel inside the centre crop', () => {
    const full = loadDataset({ kind: 'emidec', path: LGE }).cases;
    const cropped = new Map(loadDataset(emidecStudy('quick', LGE).dataset).cases.map((c) => [c.id, c]));
    const count = (d: ArrayLike<number>) => Array.from(d).filter((v) => v > 0).length;
    for (const c of full) {
      const k = cropped.get(c.id)!;
      expect(count(k.lesion.data)).toBe(count(c.lesion.data));
      expect(count(k.aux!.data)).toBe(count(c.aux!.data));
    }
  }, 300_000);

  it('records the validation lesion Dice of both arms during training', () => {
    for (const run of results.runs) {
      const m = readRunMetrics(run.runDir);
      expect(m.validation.map((v) => v.step)).toEqual([20, 40]);
    }
  });
});
