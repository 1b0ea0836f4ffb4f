/**
 * Read-speed benchmark of lib/io's NIfTI reader on a real 182x218x182 float32 .nii.gz.
 *
 *   npx ts-node --transpile-only data-scripts/bench-io.ts [file] [--runs N]
 *
 * Prints the median wall time of readNifti over N runs (default 7, after one warm-up),
 * and of its parts (file read, gunzip) for context.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { readNifti } from '../lib/io/nifti';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
const file = args.find((a, i) => !a.startsWith('--') && (runsAt < 0 || i !== runsAt + 1))
  ?? path.resolve(__dirname, '..', '..', 'shared', 'data', 'openms-mni', 'patient07', 'FLAIR.nii.gz');

if (!fs.existsSync(file)) {
  console.log(`bench-io: ${file} not found (../shared/data missing?); nothing to measure`);
  process.exit(0);
}

readNifti(file); // warm-up (JIT, page cache)
const total: number[] = [];
const readOnly: number[] = [];
const gunzip: number[] = [];
let dims = '';
for (let r = 0; r < runs; r++) {
  total.push(time(() => { dims = readNifti(file).volume.dims.join('x'); }));
  let buf: Buffer = Buffer.alloc(0);
  readOnly.push(time(() => { buf = fs.readFileSync(file); }));
  if (buf[0] === 0x1f) gunzip.push(time(() => { zlib.gunzipSync(buf); }));
}
console.log(`file: ${file} (${dims}, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB on disk)`);
console.log(`readNifti median over ${runs} runs: ${median(total).toFixed(1)} ms (min ${Math.min(...total).toFixed(1)}, max ${Math.max(...total).toFixed(1)})`);
console.log(`  of which fs.readFileSync ~${median(readOnly).toFixed(1)} ms${gunzip.length ? `, zlib.gunzipSync ~${median(gunzip).toFixed(1)} ms` : ''}`);
