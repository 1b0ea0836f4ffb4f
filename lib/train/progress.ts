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

/** Options of {@link notebookProgress}. */
export interface NotebookProgressOptions {
  /** Override the output (tests); default tslab's `newDisplay()` in a kernel. */
  sink?: LineSink;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Text in front of the bar, e.g. 'binary    seed 0'. */
  label?: string;
  /** Minimum ms between redraws (default 500); the last step is always drawn. */
  intervalMs?: number;
}

/**
 * A live-updating progress line for tslab notebooks: one display entry rewritten
 * in place (at most twice a second and at the last step). Each line is padded
 * with spaces to the length of the previous one, so a shorter line leaves no
 * stale characters where the output is overwritten rather than replaced
 * (a terminal, a '\r' stream). Outside a tslab kernel it falls back to
 * periodic lines on stderr.
 * @example const progress = notebookProgress({ label: 'binary seed 0' }); train({ ..., onProgress: progress.update }); progress.done();
 */
export function notebookProgress(options: NotebookProgressOptions = {}): { update(p: TrainProgress): void; done(): void } {
  const now = options.now ?? (() => Date.now());
  const prefix = options.label ? `${options.label} ` : '';
  const interval = options.intervalMs ?? 500;
  let out = options.sink;
  if (!out && (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined) {
    // tslab hooks require('tslab') inside a kernel to return the instance bound to the running cell
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out = (require('tslab') as { newDisplay(): LineSink }).newDisplay();
  }
  if (!out) {
    // not a TTY: every write is one whole line, so the label goes in front of each
    return createProgressBar({ write: (s: string) => process.stderr.write(prefix + s) }, { tty: false, now });
  }
  const target = out;
  let last = -Infinity;
  let previousLength = 0;
  let pending: TrainProgress | undefined;
  const draw = (p: TrainProgress) => {
    const line = prefix + formatProgress(p);
    target.text(line.padEnd(previousLength));
    previousLength = line.length;
  };
  return {
    update(p: TrainProgress) {
      pending = p;
      const t = now();
      if (t - last < interval && p.step < p.totalSteps) return;
      draw(p);
      last = t;
      pending = undefined;
    },
    done() {
      if (pending) draw(pending);
      pending = undefined;
    },
  };
}
