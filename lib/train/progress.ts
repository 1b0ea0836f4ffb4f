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
 * Writes successive lines to one place that is overwritten rather than replaced (a terminal
 * after '\r', a notebook output fed '\r'-separated text): each line is padded with spaces to the
 * widest line written so far, so a shorter line leaves no stale characters ("ETA 0ss"), however
 * many times it shrinks.
 */
export function overwritingLine(sink: LineSink): (line: string) => void {
  let widest = 0;
  return (line: string) => {
    widest = Math.max(widest, line.length);
    sink.text(line.padEnd(widest));
  };
}

/** The sink of a notebook progress line: the given one, tslab's overwritable display in a kernel, or none. */
function notebookSink(sink?: LineSink): LineSink | undefined {
  if (sink) return sink;
  if ((globalThis as { __tslab__?: unknown }).__tslab__ === undefined) return undefined;
  // tslab hooks require('tslab') inside a kernel to return the instance bound to the running cell
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('tslab') as { newDisplay(): LineSink }).newDisplay();
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
 * with spaces to the widest line before it ({@link overwritingLine}), so a
 * shorter line leaves no stale characters where the output is overwritten
 * rather than replaced (a terminal, a '\r' stream). Outside a tslab kernel it falls back to
 * periodic lines on stderr.
 * @example const progress = notebookProgress({ label: 'binary seed 0' }); train({ ..., onProgress: progress.update }); progress.done();
 */
export function notebookProgress(options: NotebookProgressOptions = {}): { update(p: TrainProgress): void; done(): void } {
  const now = options.now ?? (() => Date.now());
  const prefix = options.label ? `${options.label} ` : '';
  const interval = options.intervalMs ?? 500;
  const out = notebookSink(options.sink);
  if (!out) {
    // not a TTY: every write is one whole line, so the label goes in front of each
    return createProgressBar({ write: (s: string) => process.stderr.write(prefix + s) }, { tty: false, now });
  }
  const line = overwritingLine(out);
  let last = -Infinity;
  let pending: TrainProgress | undefined;
  const draw = (p: TrainProgress) => line(prefix + formatProgress(p));
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

/** Options of {@link notebookWorkProgress}. */
export interface WorkProgressOptions {
  /** What is being done, in front of the bar, e.g. 'Fisher through training'. */
  label: string;
  /** Override the output (tests); default tslab's `newDisplay()` in a kernel, else stderr lines. */
  sink?: LineSink;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Minimum ms between redraws (default 500); the end is always drawn. */
  intervalMs?: number;
}

/** One line for work that is a fraction done: label, bar, percent, elapsed and ETA (elapsed × (1 − f) / f). */
export function formatWork(label: string, fraction: number, elapsedSeconds: number, detail = '', barWidth = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * barWidth);
  const eta = f >= 1 ? 0 : f > 0 ? (elapsedSeconds * (1 - f)) / f : Infinity;
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${Math.floor(f * 100)}%${detail ? ` ${detail}` : ''} ` +
    `elapsed ${formatDuration(elapsedSeconds)} ETA ${formatDuration(eta)}`;
}

/**
 * A live progress line with an ETA for long notebook cells that are not training loops (Fisher
 * estimates over checkpoints, say): call `update(fraction, detail?)` as the work advances and
 * `done()` at the end. Rewritten in place like {@link notebookProgress}; outside a kernel a line
 * on stderr every 10 s.
 * @example const p = notebookWorkProgress({ label: 'Fisher' }); work({ onFraction: (f) => p.update(f) }); p.done();
 */
export function notebookWorkProgress(options: WorkProgressOptions): { update(fraction: number, detail?: string): void; done(detail?: string): void } {
  const now = options.now ?? (() => Date.now());
  const out = notebookSink(options.sink);
  const interval = out ? (options.intervalMs ?? 500) : 10_000;
  const line = out ? overwritingLine(out) : (s: string) => process.stderr.write(s + '\n');
  const start = now();
  let last = -Infinity;
  let fraction = 0;
  let detail = '';
  const draw = () => line(formatWork(options.label, fraction, (now() - start) / 1000, detail));
  return {
    update(f: number, d?: string) {
      if (!(f >= 0)) throw new RangeError(`notebookWorkProgress: fraction must be a number >= 0, got ${f}`);
      fraction = Math.max(fraction, f); // never moves back
      if (d !== undefined) detail = d;
      const t = now();
      if (t - last < interval && fraction < 1) return;
      draw();
      last = t;
    },
    done(d?: string) {
      fraction = 1;
      if (d !== undefined) detail = d;
      draw();
    },
  };
}
