/**
 * The layout of a run folder — the only place its file names appear:
 *
 *   <runDir>/config.json            the resolved TrainConfig the run was trained with
 *   <runDir>/meta.json              RunMeta (backend, versions, layout, cases, ...)
 *   <runDir>/meta.resumed-<N>.json  RunMeta of a session that resumed at step N
 *   <runDir>/metrics.jsonl          one JSON record a line (train, val, end)
 *   <runDir>/checkpoints/step-XXXXXXXX.ckpt  periodic checkpoints
 *   <runDir>/checkpoints/final.ckpt          the finished run
 *   <runDir>/train.lock             the owner of the folder while a process trains it (lock.ts)
 */
import * as fs from 'fs';
import * as path from 'path';

/** Paths of one run folder. */
export interface RunPaths {
  dir: string;
  config: string;
  meta: string;
  metrics: string;
  checkpoints: string;
  /** checkpoints/final.ckpt, present once the run has finished. */
  final: string;
  /** train.lock, present while a process trains the run. */
  lock: string;
}

/** File name of the final checkpoint inside checkpoints/. */
export const FINAL_CHECKPOINT = 'final.ckpt';

/** The paths of the run folder `dir`. */
export function runPaths(dir: string): RunPaths {
  const checkpoints = path.join(dir, 'checkpoints');
  return {
    dir,
    config: path.join(dir, 'config.json'),
    meta: path.join(dir, 'meta.json'),
    metrics: path.join(dir, 'metrics.jsonl'),
    checkpoints,
    final: path.join(checkpoints, FINAL_CHECKPOINT),
    lock: path.join(dir, 'train.lock'),
  };
}

/** meta.json of a first session, meta.resumed-<step>.json of a session resumed at `step` > 0. */
export function sessionMetaFile(dir: string, startStep: number): string {
  return startStep > 0 ? path.join(dir, `meta.resumed-${startStep}.json`) : runPaths(dir).meta;
}

/** File name of the periodic checkpoint after `step` steps. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}.ckpt`;
}

/** The step of a periodic checkpoint file name, or null for any other name. */
export function checkpointStep(name: string): number | null {
  const m = /^step-(\d+)\.ckpt$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** True when `dir` holds config.json and meta.json. */
export function isRunFolder(dir: string): boolean {
  const p = runPaths(dir);
  return fs.existsSync(p.config) && fs.existsSync(p.meta);
}

/** True when `dir` holds a finished run (checkpoints/final.ckpt). */
export function isFinishedRun(dir: string): boolean {
  return fs.existsSync(runPaths(dir).final);
}
