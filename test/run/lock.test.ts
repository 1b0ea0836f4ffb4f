/**
 * The run-folder lock: a second training process on the same folder is refused
 * with an error naming the folder and the owner (two real processes); a lock of
 * a dead process on this host is taken over with a warning; one of another host
 * is an error saying how to remove it; the lock goes when training ends, throws
 * or the process gets SIGTERM.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { train } from '../../lib/run';
import { acquireRunLock, lockFile, RunLockedError } from '../../lib/run/lock';
import { killTestConfig, killTestCases } from './helpers/kill-config';

const root = path.resolve(__dirname, '..', '..');
const child = path.join(__dirname, 'helpers', 'train-child.ts');

interface Child {
  proc: ChildProcess;
  /** Resolves once the child has reported `step`. */
  reached(step: number): Promise<void>;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

function startChild(dir: string, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', child, dir], {
    cwd: root,
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { step: number; resolve: () => void }[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    const steps = [...stdout.matchAll(/^step (\d+)$/gm)].map((m) => Number(m[1]));
    const last = steps.length ? steps[steps.length - 1] : 0;
    for (const w of waiters.filter((x) => x.step <= last)) w.resolve();
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { proc, done, reached: (step) => new Promise<void>((resolve) => waiters.push({ step, resolve })) };
}

/** A pid that does not run any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

const tmpDir = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('run-folder lock', () => {
  it('refuses a second training process on the same folder, naming the folder and the owner', async () => {
    const dir = tmpDir('bs-lock-');
    const pause = path.join(dir, '..', `${path.basename(dir)}.go`);
    const a = startChild(dir, { BACKSPLIT_TEST_PAUSE_FILE: pause });
    await a.reached(1);
    const owner = JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'));
    expect(owner).toMatchObject({ pid: a.proc.pid, host: os.hostname() });
    const b = await startChild(dir).done;
    fs.writeFileSync(pause, '');
    const ra = await a.done;
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`${dir} is being trained by pid ${a.proc.pid} on ${os.hostname()}`);
    expect(b.stdout).not.toMatch(/^step/m);
    expect(ra.code).toBe(0);
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    // one run's metrics: train steps strictly increasing, one 'end' record
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = lines.filter((l) => l.type === 'train').map((l) => l.step);
    expect(steps).toEqual([...steps].sort((x, y) => x - y));
    expect(new Set(steps).size).toBe(steps.length);
    expect(lines.filter((l) => l.type === 'end')).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pause, { force: true });
  }, 120_000);

  it('releases the lock on SIGTERM', async () => {
    const dir = tmpDir('bs-lock-term-');
    const a = startChild(dir, { BACKSPLIT_TEST_STEP_DELAY_MS: '40' });
    await a.reached(2);
    expect(fs.existsSync(lockFile(dir))).toBe(true);
    a.proc.kill('SIGTERM');
    const r = await a.done;
    expect(r.signal).toBe('SIGTERM');
    expect(r.stdout).not.toContain('done');
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('takes over the lock of a dead process on this host with a warning', async () => {
    const dir = tmpDir('bs-lock-stale-');
    const pid = deadPid();
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid, host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z', command: 'crashed' }));
    const warnings: string[] = [];
    const res = await train({ config: { ...killTestConfig(dir), steps: 4 }, trainCases: killTestCases(), onWarning: (m) => warnings.push(m) });
    res.model.dispose();
    expect(res.stepsDone).toBe(4);
    expect(warnings.join('\n')).toContain(`taking over the lock of pid ${pid} on ${os.hostname()}`);
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a lock of another host, saying how to remove it, and leaves the folder alone', async () => {
    const dir = tmpDir('bs-lock-host-');
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: 1, host: 'elsewhere.example', startedAt: '2020-01-01T00:00:00.000Z', command: 'x' }));
    const run = train({ config: killTestConfig(dir), trainCases: killTestCases() });
    await expect(run).rejects.toThrow(RunLockedError);
    await expect(run).rejects.toThrow(new RegExp(`${dir} is locked by pid 1 on elsewhere\\.example.*remove ${lockFile(dir)}`));
    expect(fs.readdirSync(dir)).toEqual(['train.lock']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('releases the lock when training throws, and refuses a second lock in the same process', async () => {
    const dir = tmpDir('bs-lock-throw-');
    const first = await train({ config: { ...killTestConfig(dir), steps: 4 }, trainCases: killTestCases() });
    first.model.dispose();
    // another config into the same folder: train() throws after taking the lock
    await expect(train({ config: { ...killTestConfig(dir), steps: 8, seed: 3 }, trainCases: killTestCases() })).rejects.toThrow(/different config/);
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    const release = acquireRunLock(dir, () => undefined);
    expect(() => acquireRunLock(dir, () => undefined)).toThrow(new RegExp(`${dir} is being trained by pid ${process.pid}`));
    release();
    release();
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
