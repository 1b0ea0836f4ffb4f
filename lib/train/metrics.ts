/**
 * Reading a run folder's metrics.jsonl back as series for plots and reports
 * (training loss per logged step, validation lesion Dice per validation pass).
 */
import * as fs from 'fs';
import * as path from 'path';

export interface RunMetrics {
  train: { step: number; loss: number; lr: number; gradNorm: number; stepsPerSecond: number }[];
  validation: { step: number; lesionDice: number; perCase: { id: string; lesionDice: number }[] }[];
  /** Present once the run has finished. */
  end?: { step: number; seconds: number; trainStepsPerSecond: number };
}

/**
 * Parse `<runDir>/metrics.jsonl`.
 * @throws when the file is missing or a line is not JSON (the message names file and line)
 */
export function readRunMetrics(runDir: string): RunMetrics {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) throw new Error(`readRunMetrics: ${file} not found`);
  const out: RunMetrics = { train: [], validation: [] };
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line);
      } catch {
        throw new Error(`readRunMetrics: ${file} line ${i + 1} is not JSON`);
      }
      if (rec.type === 'train') out.train.push(rec as unknown as RunMetrics['train'][number]);
      else if (rec.type === 'val') out.validation.push(rec as unknown as RunMetrics['validation'][number]);
      else if (rec.type === 'end') out.end = rec as unknown as RunMetrics['end'];
    });
  return out;
}
