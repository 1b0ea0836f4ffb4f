/**
 * `backsplit reproduce` flags → study config: which preset and dataset each --dataset form picks,
 * and where its runs and report go.
 */
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/cli/args';
import { studyConfigFromArgs } from '../../lib/cli/commands/reproduce';

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
