/**
 * Writers killed mid-write (SIGKILL, a real child process): the target of
 * writeFileAtomic (checkpoints, NIfTI outputs, run files) and of
 * writeFolderAtomic (the study report) is afterwards absent or the previous
 * complete version — never torn — and the next write ignores and removes the
 * stale temporary file or folder.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic, writeFolderAtomic } from '../../lib/core/atomic';

const root = path.resolve(__dirname, '..', '..');
const child = path.join(__dirname, 'helpers', 'slow-writer-child.ts');

/** Run the child writer and SIGKILL it as soon as it says it is writing. */
function killMidWrite(mode: 'file' | 'folder', target: string): Promise<{ signal: string | null; stdout: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', child, mode, target], {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('writing')) p.kill('SIGKILL');
    });
    p.on('error', reject);
    p.on('close', (_code, signal) => resolve({ signal, stdout, pid: p.pid! }));
  });
}

const tmps = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('writers killed mid-write', () => {
  it('writeFileAtomic: the previous complete file stays; the stale temporary file is removed by the next write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-wkill-'));
    const target = path.join(dir, 'step-00000008.ckpt');
    const previous = Buffer.alloc(1000, 'A');
    writeFileAtomic(target, previous);
    const r = await killMidWrite('file', target);
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).not.toContain('done');
    expect(fs.readFileSync(target).equals(previous)).toBe(true);
    // it really was killed mid-write: its partial temporary file is there, under a name no reader takes for the target
    const stale = tmps(dir);
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatch(new RegExp(`^\\.step-00000008\\.ckpt\\.${r.pid}\\.[a-z0-9]+\\.tmp$`));
    expect(fs.statSync(path.join(dir, stale[0])).size).toBeLessThan(8 * 1024 * 1024);
    writeFileAtomic(target, 'C');
    expect(fs.readFileSync(target, 'utf8')).toBe('C');
    expect(tmps(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('writeFileAtomic: a first write killed leaves no target at all', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-wkill-'));
    const target = path.join(dir, 'out.nii.gz');
    const r = await killMidWrite('file', target);
    expect(r.signal).toBe('SIGKILL');
    expect(fs.existsSync(target)).toBe(false);
    expect(tmps(dir)).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('writeFolderAtomic (the report writer): the previous complete folder stays; the stale .partial is replaced by the next write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-wkill-'));
    const target = path.join(dir, 'report');
    await writeFolderAtomic(target, async (write) => {
      write('results.json', '{"version":"A"}');
      write('report.html', '<p>A</p>');
    });
    const r = await killMidWrite('folder', target);
    expect(r.signal).toBe('SIGKILL');
    expect(fs.readdirSync(target).sort()).toEqual(['report.html', 'results.json']);
    expect(fs.readFileSync(path.join(target, 'results.json'), 'utf8')).toBe('{"version":"A"}');
    expect(fs.existsSync(`${target}.partial`)).toBe(true);
    await writeFolderAtomic(target, async (write) => write('results.json', '{"version":"C"}'));
    expect(fs.readdirSync(dir).sort()).toEqual(['report']);
    expect(fs.readdirSync(target)).toEqual(['results.json']);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
