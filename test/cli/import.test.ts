/**
 * `backsplit import emidec` (lib/cli/commands/import.ts) through the CLI dispatcher on a
 * tiny PNG-slice source: the summary printed, --mvo and --force, usage errors (exit 2 with
 * the usage text) and input errors (exit 1, naming the file, nothing written).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main';
import { defaultCases, writePngLayout } from '../data/emidec-fixtures';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-import-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const src = writePngLayout(path.join(tmp, 'src'), defaultCases());

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: unknown) => out.push(String(s)) > 0);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => err.push(String(s)) > 0);
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('backsplit import emidec', () => {
  it('imports and prints the summary', async () => {
    const out = path.join(tmp, 'a');
    const r = await run(['import', 'emidec', src, '--out', out]);
    expect(r.code).toBe(0);
    const labels = Object.values(defaultCases()).flat().flatMap((s) => s.label);
    const lesion = labels.filter((v) => v >= 3).length;
    expect(r.out).toContain(`imported 2 case(s), 5 slice(s) from ${src} (png-slices)`);
    expect(r.out).toContain('1 with infarct (Case_P), 1 normal (Case_N)');
    expect(r.out).toContain(`lesion = infarct + no-reflow: ${lesion} voxels, ${((lesion * 1.40625 * 1.40625 * 13) / 1000).toFixed(1)} mL (approximate)`);
    expect(r.out).toContain(`label voxels 0-4: ${[0, 1, 2, 3, 4].map((v) => labels.filter((x) => x === v).length).join(', ')}`);
    expect(r.out).toMatch(/spacing: nominal 1\.40625 x 1\.40625 mm in plane/);
    expect(readdirSync(out).sort()).toEqual(['dataset.json', 'imagesTr', 'labelsTr']);
  });

  it('--mvo separate, and --force to replace an existing folder', async () => {
    const out = path.join(tmp, 'b');
    expect((await run(['import', 'emidec', src, '--out', out])).code).toBe(0);
    const again = await run(['import', 'emidec', src, '--out', out, '--mvo', 'separate']);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`backsplit import: ${out}: already exists (use --force to replace it)\n`);
    const forced = await run(['import', 'emidec', src, '--out', out, '--mvo', 'separate', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('lesion = infarct (no-reflow an auxiliary class)');
    expect(JSON.parse(readFileSync(path.join(out, 'dataset.json'), 'utf8')).backsplit).toMatchObject({ mvo: 'separate', lesionLabels: [3], auxLabels: [1, 2, 4] });
  });

  it('usage errors exit 2 with the usage text', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['import'], /give the format \(emidec\) and the source folder/],
      [['import', 'emidec', '--out', 'x'], /give the EMIDEC source folder/],
      [['import', 'brats', src, '--out', 'x'], /unknown format 'brats' \(known: emidec\)/],
      [['import', 'emidec', src], /missing required flag --out/],
      [['import', 'emidec', src, '--out', 'x', '--mvo', 'split'], /--mvo must be merge or separate, got 'split'/],
      [['import', 'emidec', src, 'extra', '--out', 'x'], /unexpected argument 'extra'/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toContain('usage: backsplit import emidec <src> --out <dir>');
    }
    expect(existsSync('x')).toBe(false);
  });

  it('bad input exits 1 naming the file, nothing written', async () => {
    const r = await run(['import', 'emidec', path.join(tmp, 'src', 'images'), '--out', path.join(tmp, 'c')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^backsplit import: .*src\/images: neither layout found/);
    expect(existsSync(path.join(tmp, 'c'))).toBe(false);
    expect(existsSync(path.join(tmp, 'c.partial'))).toBe(false);
  });
});
