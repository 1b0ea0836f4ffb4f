/**
 * SIGKILL resume: a child process trains a tiny run and is killed with SIGKILL
 * mid-run; a second child resumes from the newest checkpoint; the final
 * weights must equal those of an uninterrupted run bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { train, loadCheckpoint, listCheckpoints } from '../../lib/run';
import { killTestConfig, killTestCases } from './helpers/kill-config';

const root = path.resolve(__dirname, '..', '..');
const child = path.join(__dirname, 'helpers', 'train-child.ts');

/** Run the child; when killAtStep is set, SIGKILL it once it reports that step. */
function runChild(dir: string, killAtStep?: number): Promise<{ code: number | null; signal: string | null; firstStep: number; lastStep: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', child, dir], {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), BACKSPLIT_TEST_STEP_DELAY_MS: killAtStep ? '40' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastStep = 0;
    let firstStep = 0;
    let stderr = '';
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^step (\d+)$/.exec(l);
        if (m) {
          lastStep = Number(m[1]);
          if (!firstStep) firstStep = lastStep;
          if (killAtStep !== undefined && lastStep >= killAtStep) p.kill('SIGKILL');
        }
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, firstStep, lastStep, stderr }));
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('resume after SIGKILL', () => {
  it('gives final weights identical to an uninterrupted run', async () => {
    const refDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-ref-'));
    await train({ config: killTestConfig(refDir), trainCases: killTestCases() });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-kill-'));
    const killed = await runChild(dir, 14);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.lastStep).toBeLessThan(30);
    expect(fs.existsSync(path.join(dir, 'checkpoints', 'final.ckpt'))).toBe(false);
    const ckSteps = listCheckpoints(path.join(dir, 'checkpoints')).map((c) => c.step);
    expect(ckSteps.length).toBeGreaterThan(0);
    expect(Math.max(...ckSteps)).toBeGreaterThanOrEqual(12);

    const resumed = await runChild(dir);
    expect(resumed.stderr).not.toMatch(/Error/);
    expect(resumed.code).toBe(0);
    // it really resumed (a restart from step 0 would also end with the same weights)
    expect(resumed.firstStep).toBe(Math.max(...ckSteps) + 1);
    expect(resumed.lastStep).toBe(30);

    const a = loadCheckpoint(path.join(refDir, 'checkpoints', 'final.ckpt'));
    const b = loadCheckpoint(path.join(dir, 'checkpoints', 'final.ckpt'));
    expect([...b.arrays.keys()]).toEqual([...a.arrays.keys()]);
    for (const [name, arr] of a.arrays) {
      expect(Buffer.from(b.arrays.get(name)!.values.buffer).equals(Buffer.from(arr.values.buffer)), name).toBe(true);
    }
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ref = fs.readFileSync(path.join(refDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'train').map((l) => [l.step, l.loss])).toEqual(ref.filter((l) => l.type === 'train').map((l) => [l.step, l.loss]));
    fs.rmSync(refDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
