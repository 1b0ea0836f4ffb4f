/**
 * meta.json of a run folder: where, with what and on which cases a training
 * session ran (backend, versions, git commit, host, class layout, model
 * configuration, case ids, dataset).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { SegmentationCase } from '../core/types';
import { SegmentationModel } from '../model/model';
import { TrainConfig, modelConfigFor } from '../train/config';
import { ClassLayout } from '../train/prepare';

/** meta.json of a run folder. */
export interface RunMeta {
  backend: string;
  backendReport?: unknown;
  versions: { tfjs: string; node: string; backsplit: string };
  seed: number;
  gitCommit: string | null;
  startedAt: string;
  host: { platform: string; cpus: number };
  layout: ClassLayout;
  modelConfig: ReturnType<typeof modelConfigFor>;
  parameterCount: number;
  trainCases: string[];
  valCases: string[];
  dataset?: Record<string, unknown>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

/** The git commit of the source tree, or null when unavailable (read-only `git rev-parse`). */
function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** What a training session records about itself besides config and model. */
export interface SessionInfo {
  trainCases: SegmentationCase[];
  valCases: SegmentationCase[];
  backendReport?: unknown;
  datasetInfo?: Record<string, unknown>;
}

/** The meta.json record of a session training `model`, built from `modelConfig` (now, on the current backend). */
export function runMeta(
  config: TrainConfig,
  layout: ClassLayout,
  modelConfig: RunMeta['modelConfig'],
  model: SegmentationModel,
  session: SessionInfo,
): RunMeta {
  return {
    backend: tf.getBackend(),
    backendReport: session.backendReport,
    versions: { tfjs: tf.version.tfjs, node: process.version, backsplit: packageVersion() },
    seed: config.seed,
    gitCommit: gitCommit(),
    startedAt: new Date().toISOString(),
    host: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length },
    layout,
    modelConfig,
    parameterCount: model.parameterCount(),
    trainCases: session.trainCases.map((c) => c.id),
    valCases: session.valCases.map((c) => c.id),
    dataset: session.datasetInfo,
  };
}
