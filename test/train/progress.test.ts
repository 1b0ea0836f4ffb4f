/**
 * Progress reporting: formatting, one updating line on a TTY, throttled
 * periodic lines otherwise.
 */
import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration, formatProgress, notebookProgress, notebookWorkProgress, TrainProgress } from '../../lib/train';
import { formatWork, overwritingLine } from '../../lib/train/progress';

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

  it('a line that shrinks twice in a row leaves no stale characters where text is overwritten (ETA 0ss)', () => {
    // what a terminal (or a '\r' stream) shows: each write overlays the previous one from column 0
    let screen = '';
    const write = overwritingLine({ text: (s) => { screen = s + screen.slice(s.length); } });
    const eta = (s: string) => `[##--] 5/9 ETA ${s}`;
    for (const e of ['1m00s', '59s', '9s', '0s']) write(eta(e));
    expect(screen.trimEnd()).toBe(eta('0s'));
    // the same through notebookProgress: 2h -> 1m -> 5s, each shorter than the one before
    screen = '';
    let t = 0;
    const p = notebookProgress({ sink: { text: (s) => { screen = s + screen.slice(s.length); } }, now: () => t, intervalMs: 0 });
    for (const [step, etaSeconds] of [[1, 7200], [50, 65], [99, 5]]) {
      t += 1;
      p.update({ ...ev(step), etaSeconds: etaSeconds });
    }
    expect(screen.trimEnd()).toBe(formatProgress({ ...ev(99), etaSeconds: 5 }));
    expect(screen).not.toMatch(/ETA 5s\S/);
  });

  it('work progress: fraction, elapsed and ETA; throttled; never moves back; done draws 100 %', () => {
    expect(formatWork('Fisher', 0.25, 30, '2/8 checkpoints', 8)).toBe('Fisher [##------] 25% 2/8 checkpoints elapsed 30s ETA 1m30s');
    expect(formatWork('Fisher', 0, 3)).toMatch(/ 0% elapsed 3s ETA \?$/);
    const shown: string[] = [];
    let t = 0;
    const p = notebookWorkProgress({ label: 'Fisher', sink: { text: (s) => shown.push(s) }, now: () => t });
    for (let i = 1; i <= 40; i++) {
      t += 100;
      p.update(i / 50, `${i}/50`);
    }
    p.update(0.1); // late report of an earlier stage: ignored
    p.done('50/50');
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.length).toBeLessThan(12);
    expect(shown[shown.length - 1].trimEnd()).toBe('Fisher [########################] 100% 50/50 elapsed 4s ETA 0s');
    for (let i = 1; i < shown.length; i++) expect(shown[i].length).toBeGreaterThanOrEqual(shown[i - 1].length); // padded to the widest line
    expect(() => p.update(NaN)).toThrow(/fraction must be a number >= 0, got NaN/);
  });
});
