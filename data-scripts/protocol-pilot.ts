/**
 * Budget pilot for the protocol preset (issue #12, docs/protocol.md "Stopping rule"): train one
 * pilot seed (100, outside every study's seeds) of binary and BackSplit on each protocol synthetic
 * dataset for a long budget with the validation lesion Dice every `every` steps, and print only the
 * validation learning curves — never a test result — so that the fixed budget of the preset is
 * chosen from convergence alone, before any comparison of the arms on test cases.
 *
 *   npx ts-node --transpile-only data-scripts/protocol-pilot.ts [--steps 1500[,600,…]] [--every 100] [--channels 16,32,64]
 *       [--lr 0.002] [--seeds 100[,101,…]] [--workers 2] [--runs runs/protocol-pilot]
 *
 * Several budgets (--steps 300,600,1200) train one run per budget and arm, each with its full
 * learning-rate schedule (poly decay to 0 at its last step), so a budget is past the plateau when
 * its final validation Dice is within noise of the next larger budget's.
 *
 * `--lr` sets the Adam learning rate of both arms (otherwise the default preset's,
 * DEFAULT_PRESET_LEARNING_RATE since amendment 2026-12-03b; the first budget pilot trained at the
 * base 2e-3); `--seeds` the pilot seeds (100 otherwise; keep them outside every study's seeds 0–11). The default-preset pilot of
 * docs/protocol.md ("Amendments", 2026-12-03b) ran this script.
 *
 * Prints, per dataset and arm, the curve and the largest change of the validation Dice over the
 * last third of the budget; the study's test evaluation runs (runStudy always evaluates) but its
 * lines go to <runs>/pilot.log only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseScriptArgs } from '../lib/cli/args';
import { readRunMetrics } from '../lib/run/metrics';
import { protocolStudies, StudyConfig } from '../lib/study/config';
import { runStudy } from '../lib/study/pipeline';

const USAGE = 'usage: npx ts-node --transpile-only data-scripts/protocol-pilot.ts [--steps N[,N…]] [--every N] [--validation N] [--channels C,C,C] [--lr X] [--seeds S[,S…]] [--workers N] [--runs DIR]';

async function main(argv: string[]): Promise<number> {
  const args = parseScriptArgs(argv, { steps: { type: 'string' }, channels: { type: 'string' }, lr: { type: 'number' }, seeds: { type: 'string' }, every: { type: 'number' }, validation: { type: 'number' }, workers: { type: 'number' }, runs: { type: 'string' } }, USAGE);
  if (typeof args === 'number') return args;
  const budgets = String(args.flags.steps ?? '1500').split(',').map(Number);
  const channels = args.flags.channels ? String(args.flags.channels).split(',').map(Number) : undefined;
  if (budgets.some((b) => !(Number.isInteger(b) && b > 0)) || (channels && channels.some((c) => !(Number.isInteger(c) && c > 0)))) {
    process.stderr.write(`--steps and --channels take positive integers separated by commas\n${USAGE}\n`);
    return 2;
  }
  const lr = args.flags.lr as number | undefined;
  const seeds = String(args.flags.seeds ?? '100').split(',').map(Number);
  if ((lr !== undefined && !(lr > 0)) || seeds.some((x) => !(Number.isInteger(x) && x >= 12))) {
    process.stderr.write(`--lr takes a positive number and --seeds integers ≥ 12 (outside every study's seeds 0–11)\n${USAGE}\n`);
    return 2;
  }
  const every = (args.flags.every as number | undefined) ?? 100;
  const validation = (args.flags.validation as number | undefined) ?? 8;
  const runsRoot = (args.flags.runs as string | undefined) ?? 'runs/protocol-pilot';
  fs.mkdirSync(runsRoot, { recursive: true });
  const logFile = path.join(runsRoot, 'pilot.log');
  const log = (l: string) => fs.appendFileSync(logFile, l + '\n');
  const t0 = Date.now();
  for (const steps of budgets) {
    for (const base of protocolStudies('default')) {
      const tag = `${base.protocolDataset}-${steps}${channels ? `-c${channels.join('-')}` : ''}${lr !== undefined ? `-lr${lr}` : ''}`;
      const cfg: StudyConfig = {
        ...base,
        seeds,
        split: { ...base.split, validation },
        train: { ...base.train, ...(channels ? { model: { ...base.train.model!, channels } } : {}), ...(lr !== undefined ? { learningRate: lr } : {}), steps, validation: { cases: 0, every: Math.min(every, steps), overlap: 0.5 } },
        runsDir: path.join(runsRoot, tag),
        reportDir: path.join(runsRoot, tag, 'report-unread'),
      };
      process.stdout.write(`${tag}: seeds ${seeds.join(',')}, ${steps} steps, channels ${cfg.train.model!.channels.join('/')}, learning rate ${cfg.train.learningRate ?? 'default'}, validation Dice every ${cfg.train.validation!.every} steps on ${validation} cases\n`);
      const t1 = Date.now();
      await runStudy(cfg, log, { workers: args.flags.workers as number | undefined });
      for (const arm of ['binary', 'backsplit']) for (const seed of seeds) {
        const m = readRunMetrics(path.join(cfg.runsDir, `${arm}-seed${seed}`));
        const curve = m.validation.map((v) => [v.step, v.lesionDice] as const);
        const tail = curve.filter(([s]) => s >= steps * (2 / 3));
        const span = tail.length ? Math.max(...tail.map(([, d]) => d)) - Math.min(...tail.map(([, d]) => d)) : NaN;
        const best = curve.reduce((b, c) => (c[1] > b[1] ? c : b), [0, -Infinity] as readonly [number, number]);
        const who = `${arm} ${seed}`.padEnd(13);
        process.stdout.write(`  ${who} ${curve.map(([s, d]) => `${s}:${d.toFixed(3)}`).join(' ')}\n`);
        const rate = m.end ? `; ${m.end.trainStepsPerSecond.toFixed(2)} steps/s, ${m.end.seconds.toFixed(0)} s of training` : '';
        process.stdout.write(`  ${who} final ${curve.length ? curve[curve.length - 1][1].toFixed(3) : 'n/a'}; best ${best[1].toFixed(3)} at step ${best[0]}; range over the last third: ${span.toFixed(3)}${rate}\n`);
      }
      process.stdout.write(`  wall ${((Date.now() - t1) / 1000).toFixed(0)} s (both arms, test evaluation and Fisher included)\n`);
    }
  }
  process.stdout.write(`wall ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return 0;
}

main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { process.stderr.write(`${e && e.stack ? e.stack : e}\n`); process.exit(1); });
