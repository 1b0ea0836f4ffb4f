/**
 * `backsplit train --config <json>`: train a segmentation model (binary or
 * BackSplit) as the config describes, with a progress bar, validation lesion
 * Dice, checkpoints and automatic resume into the run folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, parseArgs, UsageError, BACKEND_FLAG, flagHelp } from '../args';
import { initBackend } from '../../backend/select';
import { resolveTrainConfig, TrainConfigError } from '../../train/config';
import { loadTrainingData } from '../../train/prepare';
import { createProgressBar } from '../../train/progress';
import { checkTrainMemory } from '../../train/memory';
import { train } from '../../run/train-run';

const specs = {
  config: { type: 'string' as const, description: 'training config JSON (fields over the defaults of lib/train/config.ts)' },
  mode: { type: 'string' as const, description: "override config.mode, the arm: 'binary', 'backsplit' or a control arm of lib/train/arms.ts" },
  seed: { type: 'number' as const, description: 'override config.seed' },
  steps: { type: 'number' as const, description: 'override config.steps' },
  out: { type: 'string' as const, description: 'override config.outputDir (the run folder)' },
  backend: BACKEND_FLAG,
  fresh: { type: 'boolean' as const, description: 'ignore checkpoints in the run folder and start over' },
  restart: { type: 'boolean' as const, description: 'when no checkpoint of the run folder reads back, move them aside and train from step 0 (default: error)' },
  'max-memory-gb': { type: 'number' as const, description: 'memory limit of the pre-flight check (default BACKSPLIT_MAX_MEMORY_GB, else 80% of the machine)' },
  quiet: { type: 'boolean' as const, description: 'no progress bar' },
};

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a binary or BackSplit segmentation model (resumes from checkpoints)',
  usage: [
    'usage: backsplit train [--config <json>] [--mode binary|backsplit] [--seed N] [--steps N] [--out <dir>]',
    '                       [--backend <name>] [--fresh] [--restart] [--max-memory-gb N] [--quiet]',
    '',
    ...flagHelp(specs),
    '',
    'The run folder gets config.json, meta.json, metrics.jsonl and checkpoints/.',
    'Re-running the same command after an interruption resumes from the newest readable checkpoint',
    '(unreadable ones are moved aside as *.corrupt, with a warning). One process at a time may train',
    'a run folder (it holds <run>/train.lock while training).',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(argv, specs, 0);
    const source = typeof flags.config === 'string' ? flags.config : 'defaults';
    const maxMemoryGB = typeof flags['max-memory-gb'] === 'number' ? flags['max-memory-gb'] : undefined;
    let config;
    try {
      config = resolveTrainConfig(rawConfig(flags), source);
      checkTrainMemory(config, null, { maxMemoryGB, source });
    } catch (err) {
      if (err instanceof TrainConfigError) throw new UsageError(err.message);
      throw err;
    }
    const err = process.stderr;
    const report = await initBackend({ backend: typeof flags.backend === 'string' ? flags.backend : undefined });
    err.write(`${report.summary}\n`);
    const baseDir = typeof flags.config === 'string' ? path.dirname(path.resolve(flags.config)) : process.cwd();
    const data = loadTrainingData(config, baseDir);
    err.write(
      `train: mode ${config.mode}, ${config.model.family} [${config.model.channels}], patch [${config.patchSize}], ` +
        `${data.trainCases.length} train / ${data.valCases.length} val cases, ${config.steps} steps → ${config.outputDir}\n`,
    );
    const bar = flags.quiet ? null : createProgressBar(err);
    const result = await train({
      config,
      trainCases: data.trainCases,
      valCases: data.valCases,
      resume: !flags.fresh,
      restart: flags.restart === true,
      maxMemoryGB,
      onProgress: bar ? (p) => bar.update(p) : undefined,
      backendReport: report,
      datasetInfo: data.info,
    });
    bar?.done();
    if (result.startStep >= config.steps) err.write(`train: ${config.outputDir} is already complete (checkpoints/final.ckpt); use --fresh to train again\n`);
    else if (result.startStep > 0) err.write(`train: resumed from step ${result.startStep}\n`);
    const last = result.validation[result.validation.length - 1];
    process.stdout.write(
      `run ${config.outputDir}: ${result.stepsDone} steps, ${result.stepsPerSecond.toFixed(2)} steps/s on ${report.name}` +
        (last ? `, validation lesion Dice ${last.lesionDice.toFixed(4)}` : '') +
        '\n',
    );
    result.model.dispose();
    return 0;
  },
};

/** The config file's object (or {}) with the override flags over it. */
function rawConfig(flags: Record<string, unknown>): Record<string, unknown> {
  let raw: unknown = {};
  if (typeof flags.config === 'string') {
    if (!fs.existsSync(flags.config)) throw new UsageError(`config file ${flags.config} not found`);
    try {
      raw = JSON.parse(fs.readFileSync(flags.config, 'utf8'));
    } catch (err) {
      throw new UsageError(`config file ${flags.config} is not valid JSON: ${(err as Error).message}`);
    }
    // whatever the flags: an override never turns a null, an array or a number into a config
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new UsageError(`${flags.config}: the config must be a JSON object {...}, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`);
    }
  }
  const out = { ...(raw as Record<string, unknown>) };
  if (flags.mode !== undefined) out.mode = flags.mode;
  if (flags.seed !== undefined) out.seed = flags.seed;
  if (flags.steps !== undefined) out.steps = flags.steps;
  if (flags.out !== undefined) out.outputDir = flags.out;
  return out;
}
