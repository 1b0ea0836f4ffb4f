/**
 * Unreadable checkpoints on resume: the newest truncated → a warning naming it,
 * the file moved aside as *.corrupt, training resumes from the older one and
 * ends bit-identical to an uninterrupted run, and pruning keeps the new
 * checkpoints; all truncated → an error naming the files (left in place), or
 * with `restart` a fresh run from step 0.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { listCheckpoints, loadCheckpoint, train } from '../../lib/run';
import { checkpointName } from '../../lib/run/layout';
import { killTestConfig, killTestCases } from './helpers/kill-config';

const tmpDir = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

/** Cut the last `bytes` off a file. */
function truncate(file: string, bytes = 100): void {
  fs.truncateSync(file, fs.statSync(file).size - bytes);
}

/** A run interrupted after 10 steps: checkpoints at 4 and 8. */
async function interrupted(dir: string): Promise<void> {
  const r = await train({ config: killTestConfig(dir), trainCases: killTestCases(), stopAfterStep: 10 });
  r.model.dispose();
  expect(listCheckpoints(path.join(dir, 'checkpoints')).map((c) => c.step)).toEqual([4, 8]);
}

/** An interrupted run (as above) whose every checkpoint is then truncated; their files. */
async function interruptedAllTruncated(dir: string): Promise<string[]> {
  await interrupted(dir);
  const files = listCheckpoints(path.join(dir, 'checkpoints')).map((c) => c.file);
  files.forEach((f) => truncate(f));
  return files;
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('resume with unreadable checkpoints', () => {
  it('newest truncated: warns naming it, moves it aside, resumes from the older one; new checkpoints are kept', async () => {
    const ref = tmpDir('bs-cor-ref-');
    (await train({ config: killTestConfig(ref), trainCases: killTestCases() })).model.dispose();

    const dir = tmpDir('bs-cor-');
    await interrupted(dir);
    const newest = path.join(dir, 'checkpoints', checkpointName(8));
    truncate(newest);
    const warnings: string[] = [];
    const res = await train({ config: killTestConfig(dir), trainCases: killTestCases(), stopAfterStep: 14, onWarning: (m) => warnings.push(m) });
    res.model.dispose();
    expect(res.startStep).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`checkpoint ${newest} is unreadable`);
    expect(warnings[0]).toContain(`moved aside as ${newest}.corrupt`);
    expect(fs.existsSync(`${newest}.corrupt`)).toBe(true);
    // the checkpoints written after the resume are the ones kept (the corrupt file is not counted)
    expect(listCheckpoints(path.join(dir, 'checkpoints')).map((c) => c.step)).toEqual([8, 12]);

    (await train({ config: killTestConfig(dir), trainCases: killTestCases() })).model.dispose();
    const a = loadCheckpoint(path.join(ref, 'checkpoints', 'final.ckpt'));
    const b = loadCheckpoint(path.join(dir, 'checkpoints', 'final.ckpt'));
    for (const [name, arr] of a.arrays) expect(Buffer.from(b.arrays.get(name)!.values.buffer).equals(Buffer.from(arr.values.buffer)), name).toBe(true);
    fs.rmSync(ref, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('all truncated: an error naming the files (left in place) instead of a silent restart', async () => {
    const dir = tmpDir('bs-cor-all-');
    const files = await interruptedAllTruncated(dir);
    const run = train({ config: killTestConfig(dir), trainCases: killTestCases() });
    await expect(run).rejects.toThrow(/holds 2 checkpoint\(s\) but none is readable/);
    await expect(run).rejects.toThrow(new RegExp(`${files[0]}.*--restart`));
    for (const f of files) expect(fs.existsSync(f)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')).toMatch(/"step":10/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('all truncated with restart: moves them aside and trains from step 0', async () => {
    const dir = tmpDir('bs-cor-restart-');
    const files = await interruptedAllTruncated(dir);
    const warnings: string[] = [];
    const res = await train({ config: killTestConfig(dir), trainCases: killTestCases(), stopAfterStep: 6, restart: true, onWarning: (m) => warnings.push(m) });
    res.model.dispose();
    expect(res.startStep).toBe(0);
    for (const f of files) expect(fs.existsSync(`${f}.corrupt`)).toBe(true);
    expect(warnings.join('\n')).toMatch(/no readable checkpoint; training from step 0/);
    expect(listCheckpoints(path.join(dir, 'checkpoints')).map((c) => c.step)).toEqual([4]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
