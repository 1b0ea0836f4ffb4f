/**
 * The layer rules of .dependency-cruiser.cjs catch what they promise to: on a
 * small tree written into a temporary folder, an import up the layer order, one
 * sideways within a layer, a type-only import up, a cycle, an import of test/
 * from lib/ and a lib/ folder missing from the order are each reported under
 * their rule, and the allowed imports are not. (`npm run lint:layers` applies
 * the same config to the real lib/.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

const TREE: Record<string, string> = {
  'lib/core/a.ts': 'export const a = 1;\n',
  'lib/io/b.ts': "import { a } from '../core/a';\nexport const b = a + 1;\n",
  'lib/study/ok.ts': "import { b } from '../io/b';\nimport { a } from '../core/a';\nexport const ok = a + b;\n",
  // violations
  'lib/core/up.ts': "import { b } from '../io/b';\nexport const up = b;\n",
  'lib/labels/side.ts': "import { e } from '../eval/e';\nexport const side = e;\n",
  'lib/eval/e.ts': 'export const e = 2;\n',
  'lib/model/type-up.ts': "import type { Shape } from '../study/shape';\nexport const t: Shape | null = null;\n",
  'lib/study/shape.ts': 'export interface Shape { x: number }\n',
  'lib/run/c1.ts': "import { c2 } from './c2';\nexport const c1 = () => c2();\n",
  'lib/run/c2.ts': "import { c1 } from './c1';\nexport const c2 = (): unknown => c1;\n",
  'lib/train/out.ts': "import { h } from '../../test/helper';\nexport const out = h;\n",
  'test/helper.ts': 'export const h = 3;\n',
  'lib/cli/uses-extra.ts': "import { x } from '../extra/x';\nexport const y = x;\n",
  'lib/extra/x.ts': 'export const x = 4;\n',
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }),
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruiseFixture(): Violation[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  try {
    for (const [file, text] of Object.entries(TREE)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const res = spawnSync(
      process.execPath,
      [DEPCRUISE, 'lib', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } },
    );
    if (!res.stdout.trim().startsWith('{')) throw new Error(`depcruise gave no JSON (rc ${res.status}): ${res.stderr}`);
    const out = JSON.parse(res.stdout) as { summary: { violations: Violation[] } };
    return out.summary.violations;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('layer rules (.dependency-cruiser.cjs)', () => {
  const violations = cruiseFixture();
  const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

  it('reports every deliberately wrong import under its rule', () => {
    expect(found).toEqual(
      expect.arrayContaining([
        'layer-core: lib/core/up.ts -> lib/io/b.ts',
        'layer-labels: lib/labels/side.ts -> lib/eval/e.ts',
        'layer-model: lib/model/type-up.ts -> lib/study/shape.ts',
        'lib-not-to-outside: lib/train/out.ts -> test/helper.ts',
        'no-unknown-lib-folder: lib/cli/uses-extra.ts -> lib/extra/x.ts',
      ]),
    );
    expect(found.filter((f) => f.startsWith('no-circular: lib/run/c')).length).toBeGreaterThan(0);
  });

  it('reports nothing about the allowed imports', () => {
    expect(found.filter((f) => f.includes('lib/study/ok.ts') || f.includes('lib/io/b.ts ->'))).toEqual([]);
  });
});
