/**
 * Training progress reporting: the event the trainer emits every step and a
 * text progress bar for the CLI (one updating line on a TTY, a line every few
 * seconds otherwise, e.g. in CI logs or files).
 */

/** Emitted after every training step. */
export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  /** Exponential moving average of the loss (smoother for display). */
  smoothedLoss: number;
  learningRate: number;
  /** Steps per second over the recent window. */
  stepsPerSecond: number;
  /** Estimated seconds to finish. */
  etaSeconds: number;
  elapsedSeconds: number;
  /** Latest validation lesion Dice, if any. */
  validationDice?: number;
}

/** Format seconds as 1h02m, 3m04s or 12s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** One-line description of a progress event. */
export function formatProgress(p: TrainProgress, barWidth = 24): string {
  const frac = Math.min(1, p.step / p.totalSteps);
  const filled = Math.round(frac * barWidth);
  const bar = '#'.repeat(filled) + '-'.repeat(barWidth - filled);
  const val = p.validationDice !== undefined ? ` val-dice ${p.validationDice.toFixed(3)}` : '';
  return (
    `[${bar}] ${p.step}/${p.totalSteps} loss ${p.smoothedLoss.toFixed(4)}${val} ` +
    `${p.stepsPerSecond.toFixed(2)} step/s ETA ${formatDuration(p.etaSeconds)}`
  );
}

export interface ProgressBarOptions {
  /** Force TTY behaviour on/off (default: stream.isTTY). */
  tty?: boolean;
  /** Non-TTY: minimum seconds between lines (default 10). */
  intervalSeconds?: number;
  /** Clock in ms (for tests). */
  now?: () => number;
}

/**
 * A progress bar writing to `stream`. Call `update` on every progress event and `done` at the end.
 */
export function createProgressBar(
  stream: { write(s: string): unknown; isTTY?: boolean },
  options: ProgressBarOptions = {},
): { update(p: TrainProgress): void; done(): void } {
  const tty = options.tty ?? Boolean(stream.isTTY);
  const interval = (options.intervalSeconds ?? 10) * 1000;
  const now = options.now ?? (() => Date.now());
  let lastWrite = -Infinity;
  let last: TrainProgress | undefined;
  let lastWritten: TrainProgress | undefined;
  let active = false;
  return {
    update(p: TrainProgress) {
      last = p;
      const t = now();
      const final = p.step >= p.totalSteps;
      if (tty) {
        if (t - lastWrite < 100 && !final) return; // at most 10 redraws a second
        stream.write(`\r\x1b[2K${formatProgress(p)}`);
        active = true;
      } else {
        if (t - lastWrite < interval && !final) return;
        stream.write(`${formatProgress(p)}\n`);
      }
      lastWrite = t;
      lastWritten = p;
    },
    done() {
      if (tty && active) stream.write('\n');
      else if (!tty && last && last !== lastWritten) stream.write(`${formatProgress(last)}\n`);
    },
  };
}

/** Where a notebook progress line goes: tslab's overwritable display, or a test's capture. */
export interface LineSink {
  text(s: string): void;
}

/**
 * A live-updating progress line for tslab notebooks: one display entry rewritten
 * in place (at most twice a second and at the last step). Outside a tslab kernel
 * it falls back to periodic lines on stderr.
 * @param sink override the output (tests); default tslab's `newDisplay()` in a kernel
 */
export function notebookProgress(sink?: LineSink, now: () => number = () => Date.now()): { update(p: TrainProgress): void; done(): void } {
  let out = sink;
  if (!out && (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined) {
    // tslab hooks require('tslab') inside a kernel to return the instance bound to the running cell
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out = (require('tslab') as { newDisplay(): LineSink }).newDisplay();
  }
  if (!out) return createProgressBar(process.stderr, { tty: false, now });
  const target = out;
  let last = -Infinity;
  let pending: TrainProgress | undefined;
  return {
    update(p: TrainProgress) {
      pending = p;
      const t = now();
      if (t - last < 500 && p.step < p.totalSteps) return;
      target.text(formatProgress(p));
      last = t;
      pending = undefined;
    },
    done() {
      if (pending) target.text(formatProgress(pending));
    },
  };
}
