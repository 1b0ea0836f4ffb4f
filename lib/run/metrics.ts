/**
 * metrics.jsonl of a run folder, the one writer and the one reader: one JSON
 * record a line — 'train' (mean loss over the last logEvery steps), 'val'
 * (validation lesion Dice) and 'end' (wall time and training speed of the
 * session that finished the run).
 *
 * Records are appended (one write each); a process killed mid-append can leave
 * an unterminated last line, which the reader skips and a resumed run drops
 * (keepUpTo rewrites the file atomically).
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../core/atomic';
import { runPaths } from './layout';

/** A 'train' record: mean loss since the previous one, last step's loss, learning rate, gradient norm, speed. */
export interface TrainRecord {
  step: number;
  loss: number;
  lastLoss: number;
  lr: number;
  gradNorm: number;
  stepsPerSecond: number;
}

/** A 'val' record: mean and per-case validation lesion Dice. */
export interface ValidationRecord {
  step: number;
  lesionDice: number;
  perCase: { id: string; lesionDice: number }[];
}

/** The 'end' record, written once the run has finished. */
export interface EndRecord {
  step: number;
  seconds: number;
  trainStepsPerSecond: number;
}

export interface RunMetrics {
  train: TrainRecord[];
  validation: ValidationRecord[];
  /** Present once the run has finished. */
  end?: EndRecord;
}

/** Appends records to a run's metrics.jsonl; with no run folder it writes nothing. */
export class MetricsWriter {
  private readonly file: string | null;

  /** @param runDir run folder, or null to keep nothing on disk */
  constructor(runDir: string | null) {
    this.file = runDir ? runPaths(runDir).metrics : null;
  }

  /** Start an empty metrics.jsonl (a new run). */
  reset(): void {
    if (this.file) writeFileAtomic(this.file, '');
  }

  /** Drop the records written after `step` (a run resumed from the checkpoint at `step`). */
  keepUpTo(step: number): void {
    if (!this.file || !fs.existsSync(this.file)) return;
    const kept = fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .filter((l) => {
        try {
          return (JSON.parse(l) as { step: number }).step <= step;
        } catch {
          return false;
        }
      });
    writeFileAtomic(this.file, kept.map((l) => l + '\n').join(''));
  }

  train(r: TrainRecord): void {
    this.append({ type: 'train', step: r.step, loss: r.loss, lastLoss: r.lastLoss, lr: r.lr, gradNorm: r.gradNorm, stepsPerSecond: r.stepsPerSecond });
  }

  validation(r: ValidationRecord): void {
    this.append({ type: 'val', step: r.step, lesionDice: r.lesionDice, perCase: r.perCase });
  }

  end(r: EndRecord): void {
    this.append({ type: 'end', step: r.step, seconds: r.seconds, trainStepsPerSecond: r.trainStepsPerSecond });
  }

  private append(obj: Record<string, unknown>): void {
    if (this.file) fs.appendFileSync(this.file, JSON.stringify(obj) + '\n');
  }
}

/**
 * Parse `<runDir>/metrics.jsonl`.
 * @param options.missingOk return empty series when the file does not exist (default: throw)
 * @throws when the file is missing (unless missingOk) or a line other than an unterminated last one is not JSON (the message names file and line)
 */
export function readRunMetrics(runDir: string, options: { missingOk?: boolean } = {}): RunMetrics {
  const file = runPaths(runDir).metrics;
  const out: RunMetrics = { train: [], validation: [] };
  if (!fs.existsSync(file)) {
    if (options.missingOk) return out;
    throw new Error(`readRunMetrics: ${file} not found`);
  }
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line);
    } catch {
      // an unterminated last line is an append cut short by a kill: not a record (a resume drops it)
      if (i === lines.length - 1) return;
      throw new Error(`readRunMetrics: ${file} line ${i + 1} is not JSON`);
    }
    if (rec.type === 'train') out.train.push(rec as unknown as TrainRecord);
    else if (rec.type === 'val') out.validation.push(rec as unknown as ValidationRecord);
    else if (rec.type === 'end') out.end = rec as unknown as EndRecord;
  });
  return out;
}

/** Training loss per logged step (the 'train' records' mean loss). */
export function lossCurve(metrics: RunMetrics): { step: number; loss: number }[] {
  return metrics.train.filter((t) => typeof t.loss === 'number').map((t) => ({ step: t.step, loss: t.loss }));
}

/**
 * Mean loss of the last `count` points of a loss curve (fewer when the curve is shorter; NaN-free 0 for an empty one).
 * @example meanFinalLoss([{ step: 1, loss: 4 }, { step: 2, loss: 2 }, { step: 3, loss: 1 }], 2) // 1.5
 */
export function meanFinalLoss(curve: readonly { step: number; loss: number }[], count = 5): number {
  const tail = curve.slice(-count);
  return tail.reduce((s, p) => s + p.loss, 0) / Math.max(tail.length, 1);
}
