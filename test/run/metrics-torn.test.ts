/**
 * metrics.jsonl after an interrupted append: an unterminated last line (a kill
 * mid-append) is skipped by the reader and dropped on resume; a bad line
 * elsewhere is still an error naming the file and the line.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MetricsWriter, readRunMetrics } from '../../lib/run/metrics';

const rec = (step: number) => JSON.stringify({ type: 'train', step, loss: 1 / step, lastLoss: 1, lr: 0.1, gradNorm: 1, stepsPerSecond: 1 });

describe('metrics.jsonl torn by a kill', () => {
  it('skips an unterminated last line; keepUpTo drops it; a bad middle line is an error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-metrics-'));
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, `${rec(2)}\n${rec(4)}\n${rec(6).slice(0, 20)}`);
    expect(readRunMetrics(dir).train.map((t) => t.step)).toEqual([2, 4]);
    new MetricsWriter(dir).keepUpTo(4);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${rec(2)}\n${rec(4)}\n`);
    fs.writeFileSync(file, `${rec(2)}\n{"type":\n${rec(4)}\n`);
    expect(() => readRunMetrics(dir)).toThrow(`readRunMetrics: ${file} line 2 is not JSON`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
