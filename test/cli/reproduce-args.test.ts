/**
 * `backsplit reproduce` flags → study config: which preset and dataset each --dataset form picks,
 * and where its runs and report go; the protocol presets' --emidec <folder>.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/cli/args';
import { protocolArgs, studyConfigFromArgs } from '../../lib/cli/commands/reproduce';
import { protocolEmidecStudy, protocolStudies } from '../../lib/study/config';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = process.env.BACKSPLIT_SHARED_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
const LGE = path.join(SHARED, 'emidec-lge');
const noData = fs.existsSync(LGE) ? null : `${LGE} is missing (the shared EMIDEC data is not on this machine)`;
if (noData) console.warn(`skipping the shared-data case of reproduce --emidec: ${noData}`);

describe('reproduce --dataset', () => {
  it('picks the embedded, Colin27, manifest or EMIDEC study', () => {
    const pick = (argv: string[]) => {
      const c = studyConfigFromArgs(argv);
      return [c.preset, c.dataset, c.runsDir, c.reportDir];
    };
    expect(pick([])).toEqual(['default', { kind: 'synthetic', cases: 24, seed: 0 }, 'runs/study', 'report']);
    expect(pick(['--dataset', 'colin'])).toEqual(['default', { kind: 'colin', cases: 16, seed: 0 }, 'runs/study-colin', 'report-colin']);
    expect(pick(['--dataset', 'x/m.json'])).toEqual(['default', { kind: 'manifest', path: path.resolve('x/m.json') }, 'runs/study-m', 'report']);
    expect(pick(['--quick', '--dataset', 'emidec:data/emidec'])).toEqual(['quick', { kind: 'emidec', path: path.resolve('data/emidec'), crop: [128, 128] }, 'runs/study-emidec-quick', 'report-emidec-quick']);
    expect(studyConfigFromArgs(['--dataset', 'emidec:data/emidec']).seeds).toEqual([0, 1, 2]);
    expect(() => studyConfigFromArgs(['--dataset', 'emidec:'])).toThrow(UsageError);
  });
});

describe('reproduce --emidec <folder> (the protocol presets)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reproduce-args-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // a folder in EMIDEC's PNG layout (images/, labels/): the flags read directory listings only
  const fake = path.join(tmp, 'emidec-lge');
  fs.mkdirSync(path.join(fake, 'images'), { recursive: true });
  fs.mkdirSync(path.join(fake, 'labels'), { recursive: true });

  it('--full and --long add the protocol\'s EMIDEC study after the synthetic sets', () => {
    const full = protocolArgs(['--full', '--emidec', fake]);
    expect(full.studies).toEqual([...protocolStudies('full'), protocolEmidecStudy('full', fake)]);
    expect(full.studies.map((s) => s.protocolDataset)).toEqual(['synthetic-mechanism', 'synthetic-null', 'synthetic-current', 'emidec']);
    expect(full.studies[3]).toMatchObject({ runsDir: 'runs/protocol-full/emidec', reportDir: 'report-protocol-full/emidec', split: { seed: 0, train: 48, validation: 8, test: 24, trainPerSeed: true } });
    expect(full.notes).toEqual([]);
    const long = protocolArgs(['--long', '--emidec', fake, '--seeds', '0,1']);
    expect(long.studies.map((s) => s.protocolDataset)).toEqual(['synthetic-mechanism', 'synthetic-null', 'emidec']);
    expect(long.studies[2]).toEqual({ ...protocolEmidecStudy('long', fake), seeds: [0, 1] });
    expect(long.studies[2].arms).toBeUndefined();
  });

  it('without --emidec, --full and --long leave EMIDEC out and say how to include it', () => {
    for (const preset of ['--full', '--long']) {
      const r = protocolArgs([preset]);
      expect(r.studies.some((s) => s.protocolDataset === 'emidec')).toBe(false);
      expect(r.notes.join('\n')).toMatch(/EMIDEC .* is left out: add --emidec <folder>/);
    }
    expect(protocolArgs([]).notes).toEqual([]);
  });

  it('refuses a missing or non-EMIDEC folder before anything runs, naming it', () => {
    const missing = path.join(tmp, 'nowhere');
    expect(() => protocolArgs(['--full', '--emidec', missing])).toThrow(`--emidec ${missing}: no such folder`);
    expect(() => protocolArgs(['--full', '--emidec', tmp])).toThrow(`--emidec ${tmp}: not EMIDEC data`);
    expect(() => protocolArgs(['--full', '--emidec', ''])).toThrow(UsageError);
  });

  it.skipIf(noData !== null)('takes the shared EMIDEC data folder', () => {
    const r = protocolArgs(['--full', '--emidec', LGE]);
    expect(r.studies[3].dataset).toEqual({ kind: 'emidec', path: LGE, crop: [128, 128] });
  });
});
