/**
 * Notebook requirements (metadata.backsplit.requires): parsing with errors that name the file,
 * the skip reason (path relative to the project root, an environment variable taking precedence),
 * and the runner and CLI skipping such a notebook — counted as skipped, never started.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { notebookRequirements, unmetRequirement } from '../../lib/notebook/requirements';
import { runNotebook } from '../../lib/notebook/runner';
import { notebooksMain } from '../../lib/notebook/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-nb-req-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.mkdirSync(path.join(dir, 'data', 'present'), { recursive: true });

const REQ = { path: 'data/absent', env: 'BACKSPLIT_TEST_DATA', why: 'a licensed test set' };

function notebookWith(name: string, requires: unknown): string {
  const file = path.join(dir, name);
  const nb = {
    // would fail if it ran: a skipped notebook must never start a kernel
    cells: [{ cell_type: 'code', source: "throw new Error('this cell must not run')", metadata: {}, outputs: [], execution_count: null }],
    metadata: { backsplit: { requires } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

describe('notebookRequirements', () => {
  it('reads the declared list and returns none when the metadata has none', () => {
    expect(notebookRequirements({ backsplit: { requires: [REQ] } }, 'x.ipynb')).toEqual([REQ]);
    expect(notebookRequirements({ kernelspec: {} }, 'x.ipynb')).toEqual([]);
    expect(notebookRequirements({ backsplit: {} }, 'x.ipynb')).toEqual([]);
  });

  it('rejects malformed entries with the file and the entry in the message', () => {
    expect(() => notebookRequirements({ backsplit: { requires: 'data' } }, 'nb.ipynb')).toThrow(/nb\.ipynb: metadata\.backsplit\.requires must be a list/);
    expect(() => notebookRequirements({ backsplit: { requires: [{ env: 'X' }] } }, 'nb.ipynb')).toThrow(/nb\.ipynb.*\[0\] needs a non-empty "path"/);
    expect(() => notebookRequirements({ backsplit: { requires: [{ path: 'a', env: 3 }] } }, 'nb.ipynb')).toThrow(/\[0\]\.env must be a string/);
    expect(() => notebookRequirements({ backsplit: { requires: [{ path: 'a', pth: 'b' }] } }, 'nb.ipynb')).toThrow(/unknown field\(s\) pth/);
  });
});

describe('unmetRequirement', () => {
  it('is null when every path exists relative to the root', () => {
    expect(unmetRequirement([{ path: 'data/present' }], dir, {})).toBeNull();
    expect(unmetRequirement([], dir, {})).toBeNull();
  });

  it('names what is missing, where it looked and which variable to set', () => {
    const reason = unmetRequirement([{ path: 'data/present' }, REQ], dir, {});
    expect(reason).toBe(`needs a licensed test set: data/absent (${path.join(dir, 'data', 'absent')} not found; set BACKSPLIT_TEST_DATA to its location)`);
  });

  it('lets the environment variable take precedence over the default path, both ways', () => {
    // the default path is missing but the variable points at a folder that exists
    expect(unmetRequirement([REQ], dir, { BACKSPLIT_TEST_DATA: path.join(dir, 'data', 'present') })).toBeNull();
    // the default exists but the variable points elsewhere: the variable wins, so it is unmet
    const reason = unmetRequirement([{ ...REQ, path: 'data/present' }], dir, { BACKSPLIT_TEST_DATA: '/nonexistent/backsplit' });
    expect(reason).toBe('needs a licensed test set: BACKSPLIT_TEST_DATA=/nonexistent/backsplit (/nonexistent/backsplit) does not exist');
    // an empty variable counts as unset
    expect(unmetRequirement([{ ...REQ, path: 'data/present' }], dir, { BACKSPLIT_TEST_DATA: '' })).toBeNull();
  });
});

describe('runner and CLI with a missing requirement', () => {
  it('runNotebook skips without starting a kernel and writes no executed copy', async () => {
    const file = notebookWith('needs-data.ipynb', [REQ]);
    const res = await runNotebook(file, { root: dir, outDir: path.join(dir, 'out') });
    expect(res.ok).toBe(false);
    expect(res.skipped).toContain('needs a licensed test set: data/absent');
    expect(res.executedCells).toBe(0);
    expect(res.outputPath).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('runNotebook reports a malformed requirement list as an error naming the file', async () => {
    const file = notebookWith('bad-req.ipynb', 'data');
    await expect(runNotebook(file, { root: dir })).rejects.toThrow(/bad-req\.ipynb: metadata\.backsplit\.requires/);
  });

  it('the CLI prints the skip reason and counts it in the last line, exit code 0', async () => {
    // the CLI resolves requirement paths from the project root; an absolute path that cannot exist is missing anywhere
    const file = notebookWith('cli-skip.ipynb', [{ path: '/nonexistent/backsplit-cli-test', why: 'test data' }]);
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await notebooksMain([file]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    expect(out).toContain('SKIP');
    expect(out).toContain('(skipped: needs test data: /nonexistent/backsplit-cli-test (/nonexistent/backsplit-cli-test not found))');
    expect(out).toMatch(/0 passed, 0 failed, 1 skipped\n$/);
  });
});
