/**
 * Fuzz test of the reader: seeded random mutations (byte flips, truncations, garbage in
 * header fields, garbage extensions) of valid small files, as .nii and as .nii.gz
 * (mutating the decompressed bytes and re-compressing, or the compressed stream itself).
 * The reader must return a consistent volume or throw NiftiError with an anticipated
 * reason (never 'unexpected', never a raw RangeError/TypeError), and never hang.
 * The same for .hdr/.img pairs made from the seeds (NIfTI-1/2 pairs and Analyze), and for
 * header-driven memory bombs (a header claiming 1600³ voxels, plain and gzipped), whose
 * refusal must stay within 100 MB of the peak memory of reading a small valid file.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { describe, expect, it } from 'vitest';
import { parseNifti, parseNiftiPair } from '../../lib/io/nifti';
import { NiftiError } from '../../lib/io/errors';
import { seededRandom } from '../../data-scripts/fixtures/ts-written-cases';
import { fixturePath, reference, ROOT } from './helpers';

const ITERATIONS = 6000;
const SEED = 20261127;

type Field = { off: number; kind: 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'u8' };

const N1_FIELDS: Field[] = [
  { off: 0, kind: 'i32' },
  ...Array.from({ length: 8 }, (_, i) => ({ off: 40 + 2 * i, kind: 'i16' as const })),
  { off: 70, kind: 'i16' },
  { off: 72, kind: 'i16' },
  ...Array.from({ length: 8 }, (_, i) => ({ off: 76 + 4 * i, kind: 'f32' as const })),
  { off: 108, kind: 'f32' },
  { off: 112, kind: 'f32' },
  { off: 116, kind: 'f32' },
  { off: 252, kind: 'i16' },
  { off: 254, kind: 'i16' },
  ...Array.from({ length: 18 }, (_, i) => ({ off: 256 + 4 * i, kind: 'f32' as const })),
  ...Array.from({ length: 4 }, (_, i) => ({ off: 344 + i, kind: 'u8' as const })),
  ...Array.from({ length: 4 }, (_, i) => ({ off: 348 + i, kind: 'u8' as const })),
];

const N2_FIELDS: Field[] = [
  { off: 0, kind: 'i32' },
  ...Array.from({ length: 8 }, (_, i) => ({ off: 4 + i, kind: 'u8' as const })),
  { off: 12, kind: 'i16' },
  { off: 14, kind: 'i16' },
  ...Array.from({ length: 8 }, (_, i) => ({ off: 16 + 8 * i, kind: 'i64' as const })),
  ...Array.from({ length: 8 }, (_, i) => ({ off: 104 + 8 * i, kind: 'f64' as const })),
  { off: 168, kind: 'i64' },
  { off: 176, kind: 'f64' },
  { off: 184, kind: 'f64' },
  { off: 344, kind: 'i32' },
  { off: 348, kind: 'i32' },
  ...Array.from({ length: 18 }, (_, i) => ({ off: 352 + 8 * i, kind: 'f64' as const })),
];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

function garbage(rnd: () => number, b: Uint8Array, f: Field, le: boolean): void {
  if (f.off + 8 > b.length) return;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const special = [0, 1, -1, 2, 3, 4, 7, 8, 16, 255, 348, 352, 540, 32767, -32768, 65535, 2 ** 31 - 1, -(2 ** 31)];
  const intVal = () => (rnd() < 0.6 ? pick(rnd, special) : Math.floor((rnd() - 0.5) * 2 ** 16));
  const floatVal = () => pick(rnd, [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1e30, -1e30, 1e-30, 352, 352.5, (rnd() - 0.5) * 1e4]);
  switch (f.kind) {
    case 'u8': b[f.off] = Math.floor(rnd() * 256); break;
    case 'i16': v.setInt16(f.off, intVal(), le); break;
    case 'i32': v.setInt32(f.off, intVal(), le); break;
    case 'i64': v.setBigInt64(f.off, BigInt(rnd() < 0.2 ? pick(rnd, [2 ** 40, -(2 ** 40), 2 ** 53 + 2]) : intVal()), le); break;
    case 'f32': v.setFloat32(f.off, floatVal(), le); break;
    case 'f64': v.setFloat64(f.off, floatVal(), le); break;
  }
}

/** One random mutation of uncompressed NIfTI bytes; returns a short description. */
function mutateRaw(rnd: () => number, src: Uint8Array, version: 1 | 2, le: boolean): { bytes: Uint8Array; what: string } {
  const r = rnd();
  if (r < 0.3) {
    const b = Uint8Array.from(src);
    const k = 1 + Math.floor(rnd() * 8);
    const pos: number[] = [];
    for (let i = 0; i < k; i++) {
      const p = rnd() < 0.7 ? Math.floor(rnd() * Math.min(b.length, version === 1 ? 352 : 544)) : Math.floor(rnd() * b.length);
      b[p] ^= 1 + Math.floor(rnd() * 255);
      pos.push(p);
    }
    return { bytes: b, what: `flip bytes ${pos.join(',')}` };
  }
  if (r < 0.45) {
    const n = Math.floor(rnd() * src.length);
    return { bytes: src.slice(0, n), what: `truncate to ${n}` };
  }
  if (r < 0.9) {
    const b = Uint8Array.from(src);
    const fields = version === 1 ? N1_FIELDS : N2_FIELDS;
    const k = 1 + Math.floor(rnd() * 3);
    const offs: number[] = [];
    for (let i = 0; i < k; i++) {
      const f = pick(rnd, fields);
      garbage(rnd, b, f, le);
      offs.push(f.off);
    }
    return { bytes: b, what: `garbage at ${offs.join(',')}` };
  }
  // an extension flag with a random (possibly negative) extension size
  const b = Uint8Array.from(src);
  const hdr = version === 1 ? 348 : 540;
  if (b.length >= hdr + 12) {
    b[hdr] = 1;
    new DataView(b.buffer).setInt32(hdr + 4, pick(rnd, [-16, -32, 0, 16, 32, 1 << 30, -(1 << 30)]), le);
  }
  return { bytes: b, what: 'extension garbage' };
}

interface Seed {
  name: string;
  raw: Uint8Array;
  version: 1 | 2;
  le: boolean;
}

function loadSeeds(): Seed[] {
  const keys = Object.keys(reference.files).filter((k) => !k.startsWith('shared/'));
  return keys.map((k) => {
    const file = fs.readFileSync(fixturePath(k));
    const raw = k.endsWith('.gz') ? new Uint8Array(zlib.gunzipSync(file)) : new Uint8Array(file);
    const ref = reference.files[k];
    return { name: k, raw, version: ref.version, le: ref.endianness === 'little' };
  });
}

describe('reader fuzz', () => {
  it(`${ITERATIONS} seeded mutations: returns or throws NiftiError only`, () => {
    const seeds = loadSeeds();
    expect(seeds.length).toBeGreaterThanOrEqual(20);
    const rnd = seededRandom(SEED);
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    const t0 = Date.now();
    let slowest = 0;
    for (let it = 0; it < ITERATIONS; it++) {
      const seed = seeds[it % seeds.length];
      const gz = rnd() < 0.5;
      let bytes: Uint8Array;
      let what: string;
      if (gz && rnd() < 0.5) {
        // mutate the compressed stream itself
        const comp = Uint8Array.from(zlib.gzipSync(seed.raw, { level: 1 }));
        const m = mutateRaw(rnd, comp, seed.version, seed.le);
        bytes = m.bytes;
        what = 'gz-stream ' + m.what;
      } else {
        const m = mutateRaw(rnd, seed.raw, seed.version, seed.le);
        bytes = gz ? zlib.gzipSync(m.bytes, { level: 1 }) : m.bytes;
        what = m.what;
      }
      const name = `${seed.name}#${it}${gz ? '.nii.gz' : '.nii'}`;
      const t = Date.now();
      try {
        const { volume, header } = parseNifti(bytes, name);
        const ok = volume.data.length === volume.dims[0] * volume.dims[1] * volume.dims[2] && header.dims.slice(0, 3).every((d, i) => d === volume.dims[i]);
        if (!ok) failures.push(`${name} (${what}): inconsistent volume`);
        outcomes.ok = (outcomes.ok ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof NiftiError)) failures.push(`${name} (${what}): raw ${(e as Error).name}: ${(e as Error).message}`);
        else if (e.reason === 'unexpected') failures.push(`${name} (${what}): ${e.message}`);
        else outcomes[e.reason] = (outcomes[e.reason] ?? 0) + 1;
      }
      slowest = Math.max(slowest, Date.now() - t);
    }
    const elapsed = Date.now() - t0;
    console.log(`fuzz: ${ITERATIONS} mutations in ${elapsed} ms (slowest ${slowest} ms):`, JSON.stringify(outcomes));
    expect(failures.slice(0, 10)).toEqual([]);
    // hang guards only (speed is measured by data-scripts/bench-io.ts): generous enough for a loaded CI machine
    expect(elapsed).toBeLessThan(120_000);
    expect(slowest).toBeLessThan(10_000);
    // the mutations exercise both paths and several kinds of error
    expect(outcomes.ok ?? 0).toBeGreaterThan(ITERATIONS * 0.05);
    for (const reason of ['magic', 'truncated-data', 'gzip', 'bad-dims', 'unsupported-datatype', 'bad-header']) {
      expect(outcomes[reason] ?? 0, `outcome ${reason}`).toBeGreaterThan(0);
    }
  });
});

/** A seed split into a pair: header with pair magic (or none: Analyze) and vox_offset 0, and the voxel bytes. */
function toPair(seed: Seed, analyze: boolean): { hdr: Uint8Array; img: Uint8Array } {
  const size = seed.version === 1 ? 348 : 540;
  const v = new DataView(seed.raw.buffer, seed.raw.byteOffset, seed.raw.byteLength);
  const off = seed.version === 1 ? v.getFloat32(108, seed.le) : Number(v.getBigInt64(168, seed.le));
  const hdr = Uint8Array.from(seed.raw.subarray(0, size));
  const hv = new DataView(hdr.buffer);
  if (seed.version === 1) {
    hv.setFloat32(108, 0, seed.le);
    hdr.set(analyze ? [0, 0, 0, 0] : [0x6e, 0x69, 0x31, 0], 344);
  } else {
    hv.setBigInt64(168, 0n, seed.le);
    hdr[5] = 0x69; // "ni2"
  }
  return { hdr, img: seed.raw.subarray(off) };
}

describe('reader fuzz: .hdr/.img pairs', () => {
  it('1500 seeded mutations of pairs: returns or throws NiftiError only', () => {
    const seeds = loadSeeds().filter((s) => reference.files[s.name].volumes);
    const rnd = seededRandom(SEED + 1);
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    for (let it = 0; it < 1500; it++) {
      const seed = seeds[it % seeds.length];
      const pair = toPair(seed, seed.version === 1 && rnd() < 0.3);
      let { hdr, img } = pair;
      if (rnd() < 0.6) hdr = mutateRaw(rnd, hdr, seed.version, seed.le).bytes;
      else img = img.subarray(0, Math.floor(rnd() * img.length));
      const gz = rnd() < 0.4;
      if (gz) [hdr, img] = [zlib.gzipSync(hdr, { level: 1 }), zlib.gzipSync(img, { level: 1 })];
      const names: [string, string] = [`${seed.name}#${it}.hdr${gz ? '.gz' : ''}`, `${seed.name}#${it}.img${gz ? '.gz' : ''}`];
      try {
        const { volume } = parseNiftiPair(hdr, img, names);
        if (volume.data.length !== volume.dims[0] * volume.dims[1] * volume.dims[2]) failures.push(`${names[0]}: inconsistent volume`);
        outcomes.ok = (outcomes.ok ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof NiftiError)) failures.push(`${names[0]}: raw ${(e as Error).name}: ${(e as Error).message}`);
        else if (e.reason === 'unexpected') failures.push(`${names[0]}: ${e.message}`);
        else outcomes[e.reason] = (outcomes[e.reason] ?? 0) + 1;
      }
    }
    console.log('pair fuzz: 1500 mutations:', JSON.stringify(outcomes));
    expect(failures.slice(0, 10)).toEqual([]);
    expect(outcomes.ok ?? 0).toBeGreaterThan(100);
    expect(outcomes['truncated-data'] ?? 0).toBeGreaterThan(0);
  });
});

/** A .nii header claiming n³ uint8 (1600³: 4.1 GB) followed by `zeroMiB` MiB of zeros, as a multi-member gzip stream. */
function bombBytes(zeroMiB: number, gz: boolean, n = 1600): Uint8Array {
  const b = new Uint8Array(352);
  const v = new DataView(b.buffer);
  v.setInt32(0, 348, true);
  [3, n, n, n, 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, 2, true);
  v.setInt16(72, 8, true);
  [1, 1, 1, 1].forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, 352, true);
  b.set([0x6e, 0x2b, 0x31, 0], 344);
  if (!gz) return b;
  const member = zlib.gzipSync(new Uint8Array(64 * 2 ** 20), { level: 9 });
  return Buffer.concat([zlib.gzipSync(b), ...Array.from({ length: zeroMiB / 64 }, () => member)]);
}

/** Peak RSS (bytes), exit code and time of `backsplit info <file>` in a fresh process (what the issue measured). */
function measure(file: string): { maxRss: number; status: number | null; ms: number; stderr: string } {
  const code =
    "process.on('exit', () => process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS * 1024 + '\\n'));" +
    "process.argv = [process.argv[0], 'backsplit', 'info', process.argv[1]]; require('./bin/backsplit.js');";
  const t = Date.now();
  const r = spawnSync(process.execPath, ['-e', code, file], { cwd: ROOT, encoding: 'utf8' });
  const m = /MAXRSS (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no peak RSS reported: ${r.stderr}`);
  return { maxRss: Number(m[1]), status: r.status, ms: Date.now() - t, stderr: r.stderr };
}

describe('header-driven memory bombs', () => {
  it('a plain header claiming 1600³ voxels is refused from the header', () => {
    expect(() => parseNifti(bombBytes(0, false), 'bomb.nii')).toThrow(/1600x1600x1600/);
  });

  it('a gzip bomb (header claims 1600³, stream holds 640 MiB) is refused before the rest is inflated', () => {
    const t0 = Date.now();
    let err: unknown = null;
    try {
      parseNifti(bombBytes(640, true), 'bomb.nii.gz');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NiftiError);
    expect((err as NiftiError).reason).toBe('too-large');
    expect((err as NiftiError).message).toMatch(/1600x1600x1600 uint8 voxels, 4096000352 bytes/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // a header within the limit whose stream holds far more than it describes is capped too
    expect(() => parseNifti(bombBytes(128, true, 4), 'cap.nii.gz')).toThrow(/exceed \d+ bytes \(the header describes 416 bytes/);
  });

  it('peak memory of refusing the gzip bomb stays within 100 MB of reading a small valid file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-bomb-'));
    try {
      fs.writeFileSync(path.join(dir, 'bomb.nii.gz'), bombBytes(640, true));
      const small = measure(fixturePath('files/uint8_labels.nii.gz'));
      const bomb = measure(path.join(dir, 'bomb.nii.gz'));
      console.log(`backsplit info peak RSS: small valid file ${(small.maxRss / 2 ** 20).toFixed(1)} MiB, gzip bomb ${(bomb.maxRss / 2 ** 20).toFixed(1)} MiB (${bomb.ms} ms)`);
      expect(small.status).toBe(0);
      expect(bomb.status).toBe(1);
      expect(bomb.stderr).toMatch(/\[too-large\]/);
      expect(bomb.maxRss - small.maxRss).toBeLessThan(100 * 2 ** 20);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
