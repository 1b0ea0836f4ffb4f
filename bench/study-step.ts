/**
 * What the speed-only kernel fixes (lib/backend/kernels, `speedOnly`) gain on the work a study
 * worker does: one training step of the protocol's default network (the run config of
 * `reproduce`: a 2D U-Net 16/32/64 with instance norm and leaky ReLU, batch 4 of 64×64, the
 * BackSplit head of 7 classes, Dice + CE, the project's Adam) and the sliding-window prediction
 * of one 64×64×32 volume, on wasm with one thread (as the study's workers run). Each variant
 * runs in its own process, variants interleaved and repeated, and a table compares them:
 *
 * - `project`: every fix installed (what runs use)
 * - `without Concat`: BACKSPLIT_STOCK_KERNELS=wasm:Concat (the newest speed fix left out)
 * - `stock where only speed`: BACKSPLIT_STOCK_KERNELS=speed (only the fixes of wrong or missing kernels)
 *
 *   npm run bench:study -- [--steps 15] [--cases 4] [--repeats 2] [--threads 1]
 *
 * Timings on a shared machine are noisy: compare numbers from the same run only.
 */
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { createModel, totalLoss } from '../lib/model';
import { Optimizer } from '../lib/train/optimizer';
import { slidingWindowProbabilities } from '../lib/train/inference';
import { DEFAULT_TRAIN_CONFIG } from '../lib/train/config';
import { Vec3 } from '../lib/core/volume';

const VARIANTS: { name: string; stock: string }[] = [
  { name: 'project', stock: '' },
  { name: 'without Concat', stock: 'wasm:Concat' },
  { name: 'stock where only speed', stock: 'speed' },
];

interface Options {
  steps: number;
  cases: number;
  repeats: number;
  threads: number;
}

function parse(argv: string[]): Options & { child: boolean } {
  const o = { steps: 15, cases: 4, repeats: 2, threads: 1, child: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`bench:study: ${a} needs a positive integer, got '${argv[i]}'`);
      return v;
    };
    if (a === '--steps') o.steps = num();
    else if (a === '--cases') o.cases = num();
    else if (a === '--repeats') o.repeats = num();
    else if (a === '--threads') o.threads = num();
    else if (a === '--child') o.child = true;
    else throw new Error(`bench:study: unknown argument '${a}' (see the header of bench/study-step.ts)`);
  }
  return o;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One variant in this process: median ms per training step and per predicted volume, as JSON on the last line. */
async function child(o: Options): Promise<void> {
  await initBackend({ backend: 'wasm', threads: o.threads });
  const classes = 7;
  const model = createModel({ ...DEFAULT_TRAIN_CONFIG.model, numClasses: classes }, 0);
  const optimizer = new Optimizer(model.variables, { kind: 'adam', momentum: 0.99, weightDecay: 0 });
  const x = tf.randomNormal([4, 64, 64, 1], 0, 1, 'float32', 1);
  const y = tf.randomUniform([4, 64, 64], 0, classes, 'int32', 2);
  const step = async (): Promise<void> => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => totalLoss(model.apply(x, true), y, DEFAULT_TRAIN_CONFIG.loss), [...model.variables.values()]);
      const named = new Map<string, tf.Tensor>();
      for (const [name, v] of model.variables) named.set(name, grads[v.name]);
      optimizer.apply(named, 1e-3);
      return value;
    });
    await loss.data();
    loss.dispose();
  };
  const stepMs: number[] = [];
  for (let i = 0; i < 3 + o.steps; i++) {
    const t0 = performance.now();
    await step();
    if (i >= 3) stepMs.push(performance.now() - t0);
  }
  const dims: Vec3 = [64, 64, 32];
  const image = Float32Array.from({ length: 64 * 64 * 32 }, (_, i) => Math.sin(i * 0.37));
  const caseMs: number[] = [];
  for (let i = 0; i < 1 + o.cases; i++) {
    const t0 = performance.now();
    await slidingWindowProbabilities(model, [image], dims, { patchSize: [64, 64], overlap: 0.5 });
    if (i >= 1) caseMs.push(performance.now() - t0);
  }
  const tensors = tf.memory().numTensors;
  console.log(JSON.stringify({ stepMs: median(stepMs), caseMs: median(caseMs), tensors }));
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (o.child) return child(o);
  console.log(`default protocol network (2D U-Net ${DEFAULT_TRAIN_CONFIG.model.channels?.join('/')}, instance norm, 7 classes, batch 4×64×64), wasm ${o.threads} thread(s); ` +
    `median of ${o.steps} steps and ${o.cases} volumes of 64×64×32 per process, ${o.repeats} process(es) per variant, interleaved`);
  const results = new Map<string, { step: number[]; volume: number[] }>(VARIANTS.map((v) => [v.name, { step: [], volume: [] }]));
  for (let r = 0; r < o.repeats; r++) {
    for (const v of VARIANTS) {
      const args = ['-r', 'ts-node/register/transpile-only', __filename, '--child', '--steps', String(o.steps), '--cases', String(o.cases), '--threads', String(o.threads)];
      const p = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, BACKSPLIT_STOCK_KERNELS: v.stock }, timeout: 900_000 });
      const last = (p.stdout || '').trim().split('\n').pop() ?? '';
      if (p.status !== 0 || !last.startsWith('{')) throw new Error(`bench:study: variant '${v.name}' failed (exit ${p.status}): ${(p.stderr || last).trim().split('\n').slice(-3).join(' | ')}`);
      const m = JSON.parse(last) as { stepMs: number; caseMs: number };
      results.get(v.name)!.step.push(m.stepMs);
      results.get(v.name)!.volume.push(m.caseMs);
      console.log(`  ${v.name.padEnd(24)} repeat ${r + 1}: ${m.stepMs.toFixed(0)} ms/step, ${m.caseMs.toFixed(0)} ms/volume`);
    }
  }
  const base = results.get('project')!;
  console.log(`${'variant'.padEnd(24)}  ${'ms/step'.padStart(8)}  ${'vs project'.padStart(10)}  ${'ms/volume'.padStart(9)}  ${'vs project'.padStart(10)}`);
  for (const v of VARIANTS) {
    const r = results.get(v.name)!;
    const s = median(r.step);
    const c = median(r.volume);
    console.log(`${v.name.padEnd(24)}  ${s.toFixed(0).padStart(8)}  ${(s / median(base.step)).toFixed(2).padStart(9)}x  ${c.toFixed(0).padStart(9)}  ${(c / median(base.volume)).toFixed(2).padStart(9)}x`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
