/**
 * Every relative import in lib/ names a file, never a folder: tslab (the
 * notebooks' kernel) compiles imported .ts files itself and cannot resolve
 * `./kernels` to `./kernels/index.ts`, so a folder import breaks every notebook
 * that reaches it while tsc and vitest stay green.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const LIB = path.resolve(__dirname, '..', '..', 'lib');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('imports in lib/', () => {
  it('name files (./x/index), not folders (./x), so tslab can resolve them', () => {
    const folderImports: string[] = [];
    for (const file of tsFiles(LIB)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]*)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        const isFile = ['.ts', '.js', '.json', ''].some((ext) => fs.existsSync(target + ext) && fs.statSync(target + ext).isFile());
        if (!isFile && fs.existsSync(target) && fs.statSync(target).isDirectory()) {
          folderImports.push(`${path.relative(LIB, file)}: '${m[1]}' is a folder; write '${m[1]}/index'`);
        }
      }
    }
    expect(folderImports).toEqual([]);
  });
});
