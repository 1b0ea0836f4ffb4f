/**
 * Progress reporting: formatting, one updating line on a TTY, throttled
 * periodic lines otherwise.
 */
import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration, formatProgress, notebookProgress, TrainProgress } from '../../lib/train';

const ev = (step: number): TrainProgress => ({
  step,
  totalSteps: 100,
  loss: 0.5,
  smoothedLoss: 0.4567,
  learningRate: 1e-3,
  stepsPerSecond: 2.5,
  etaSeconds: (100 - step) / 2.5,
  elapsedSeconds: step / 2.5,
});

describe('progress', () => {
  it('formats durations and a line with loss, speed and ETA', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Infinity)).toBe('?');
    const line = formatProgress({ ...ev(50), validationDice: 0.71234 }, 10);
    expect(line).toBe('[#####-----] 50/100 loss 0.4567 val-dice 0.712 2.50 step/s ETA 20s');
  });

  it('on a TTY redraws one line (carriage return) and ends with a newline', () => {
    let out = '';
    let t = 0;
    const bar = createProgressBar({ write: (s: string) => (out += s) }, { tty: true, now: () => t });
    for (let s = 1; s <= 100; s++) {
      t += 50; // 20 updates per second → throttled to 10 redraws per second
      bar.update(ev(s));
    }
    bar.done();
    expect(out.split('\n').length).toBe(2);
    const redraws = out.split('\r').length - 1;
    expect(redraws).toBeGreaterThan(40);
    expect(redraws).toBeLessThan(60);
    expect(out).toContain('100/100');
  });

  it('otherwise prints a line every interval and the final step', () => {
    let out = '';
    let t = 0;
    const bar = createProgressBar({ write: (s: string) => (out += s) }, { tty: false, intervalSeconds: 10, now: () => t });
    for (let s = 1; s <= 100; s++) {
      t += 400; // 40 s in total
      bar.update(ev(s));
    }
    bar.done();
    const lines = out.trim().split('\n');
    expect(out).not.toContain('\r');
    expect(lines.length).toBe(5); // t = 0.4 s, 10.4, 20.4, 30.4 and the final step
    expect(lines[lines.length - 1]).toContain('100/100');
  });

  it('notebook progress rewrites one display entry, throttled, and always shows the last step', () => {
    const shown: string[] = [];
    let t = 0;
    const p = notebookProgress({ sink: { text: (s) => shown.push(s) }, now: () => t });
    for (let s = 1; s <= 100; s++) {
      t += 40; // 4 s in total → about 8 updates plus the final one
      p.update(ev(s));
    }
    p.done();
    expect(shown.length).toBeGreaterThan(6);
    expect(shown.length).toBeLessThan(12);
    expect(shown[shown.length - 1]).toContain('100/100');
  });

  it('notebook progress pads a shorter line to the previous length and puts the label first', () => {
    const shown: string[] = [];
    let t = 0;
    const p = notebookProgress({ sink: { text: (s) => shown.push(s) }, now: () => t, label: 'binary seed 0', intervalMs: 0 });
    p.update({ ...ev(1), totalSteps: 100000, stepsPerSecond: 12345.67, etaSeconds: 7200 }); // a long line
    t += 1;
    p.update(ev(100)); // a shorter one
    p.done();
    expect(shown).toHaveLength(2);
    expect(shown[0].startsWith('binary seed 0 [')).toBe(true);
    expect(shown[1].length).toBe(shown[0].length);
    expect(shown[1].trimEnd()).toBe(`binary seed 0 ${formatProgress(ev(100))}`);
    expect(shown[1].length).toBeGreaterThan(shown[1].trimEnd().length);
  });
});
