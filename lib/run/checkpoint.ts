/**
 * Checkpoint files of a run folder: weights, optimizer state and sampler state in one binary
 * file, written atomically (lib/core writeFileAtomic: temporary file, fsync, rename) so that a process
 * killed at any moment leaves either the previous or the new checkpoint, never
 * a torn one.
 *
 * Layout (format version 2): "BSCK" magic, uint32 format version, uint32 header
 * byte length, the 32-byte SHA-256 of everything after it, the JSON header
 * (padded with spaces to a multiple of 4), then the float32 arrays back to back
 * (little-endian) in header order. Version 1 files (the same without the
 * SHA-256) are still read; any other version is refused with a clear error.
 *
 * A file that does not read back (torn by a crash of the disk or the machine,
 * truncated, bit rot) is found by the checksum; the training loop moves such
 * files aside as `<name>.corrupt` (see moveAsideCorrupt) and never counts them.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';
import { checkpointStep, runPaths } from './layout';

const MAGIC = 'BSCK';
const VERSION = 2;
/** Byte length of the fixed prefix: magic, version, header length (+ SHA-256 from version 2). */
const PREFIX = { 1: 12, 2: 44 } as const;

export interface CheckpointData {
  /** Steps completed. */
  step: number;
  /** Named arrays, e.g. 'weights/enc0/conv0/kernel', 'optimizer/m:enc0/conv0/kernel'. */
  arrays: Map<string, { shape: number[]; values: Float32Array }>;
  /** Anything JSON: sampler state, optimizer kind and step, config digest... */
  meta: Record<string, unknown>;
}

/** Serialise a checkpoint to bytes. */
export function encodeCheckpoint(ck: CheckpointData): Buffer {
  const entries: { name: string; shape: number[]; length: number }[] = [];
  let total = 0;
  for (const [name, a] of ck.arrays) {
    entries.push({ name, shape: a.shape, length: a.values.length });
    total += a.values.length;
  }
  let header = Buffer.from(JSON.stringify({ step: ck.step, meta: ck.meta, entries }), 'utf8');
  const pad = (4 - (header.length % 4)) % 4;
  if (pad) header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const start = PREFIX[VERSION];
  const out = Buffer.alloc(start + header.length + total * 4);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(header.length, 8);
  header.copy(out, start);
  let off = start + header.length;
  for (const a of ck.arrays.values()) {
    const bytes = Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength);
    bytes.copy(out, off);
    off += bytes.length;
  }
  createHash('sha256').update(out.subarray(start)).digest().copy(out, 12);
  return out;
}

/**
 * Parse checkpoint bytes.
 * @param source file name for error messages
 */
export function decodeCheckpoint(buf: Buffer, source = 'checkpoint'): CheckpointData {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== MAGIC) throw new Error(`${source}: not a BackSplit checkpoint (bad magic)`);
  const version = buf.readUInt32LE(4);
  if (version !== 1 && version !== 2) {
    throw new Error(`${source}: checkpoint format version ${version} is not supported (this BackSplit reads versions 1 and 2; the file may come from a newer BackSplit)`);
  }
  const start = PREFIX[version];
  const hlen = buf.readUInt32LE(8);
  if (start + hlen > buf.length) throw new Error(`${source}: truncated header (${buf.length} bytes)`);
  let header: { step: number; meta: Record<string, unknown>; entries: { name: string; shape: number[]; length: number }[] };
  try {
    header = JSON.parse(buf.toString('utf8', start, start + hlen));
  } catch (err) {
    throw new Error(`${source}: corrupt header (${(err as Error).message})`, { cause: err });
  }
  if (!header || !Array.isArray(header.entries)) throw new Error(`${source}: corrupt header (no array list)`);
  const arrays: CheckpointData['arrays'] = new Map();
  let off = start + hlen;
  for (const e of header.entries) {
    const bytes = e.length * 4;
    if (off + bytes > buf.length) throw new Error(`${source}: truncated data at array '${e.name}' (need ${off + bytes} bytes, have ${buf.length})`);
    const values = new Float32Array(e.length);
    Buffer.from(values.buffer).set(buf.subarray(off, off + bytes));
    arrays.set(e.name, { shape: e.shape, values });
    off += bytes;
  }
  if (off !== buf.length) throw new Error(`${source}: ${buf.length - off} trailing bytes after the last array`);
  if (version === 2 && !createHash('sha256').update(buf.subarray(start)).digest().equals(buf.subarray(12, 44))) {
    throw new Error(`${source}: checksum mismatch (the file is corrupt)`);
  }
  return { step: header.step, meta: header.meta, arrays };
}

/** Save a checkpoint atomically into `dir` under `name`. */
export function saveCheckpoint(dir: string, name: string, ck: CheckpointData): string {
  const file = path.join(dir, name);
  writeFileAtomic(file, encodeCheckpoint(ck));
  return file;
}

/** Periodic checkpoints in `dir`, ascending by step. */
export function listCheckpoints(dir: string): { step: number; file: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => ({ step: checkpointStep(f), file: path.join(dir, f) }))
    .filter((c): c is { step: number; file: string } => c.step !== null)
    .sort((a, b) => a.step - b.step);
}

/** Load a checkpoint file. */
export function loadCheckpoint(file: string): CheckpointData {
  return decodeCheckpoint(fs.readFileSync(file), file);
}

/**
 * Move a checkpoint that does not read back aside as `<file>.corrupt` (never deleted: it may still
 * be of use to someone; never listed again, so pruning does not count it).
 * @returns the new name
 */
export function moveAsideCorrupt(file: string): string {
  let target = `${file}.corrupt`;
  for (let i = 1; fs.existsSync(target); i++) target = `${file}.corrupt-${i}`;
  fs.renameSync(file, target);
  return target;
}

/** Delete all but the newest `keep` periodic checkpoints (`*.corrupt` files are not checkpoints). */
export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(c.file, { force: true });
}

/** Weights of a checkpoint as name → values. */
export function checkpointWeights(ck: CheckpointData): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, a] of ck.arrays) if (k.startsWith('weights/')) out.set(k.slice('weights/'.length), a.values);
  return out;
}

/**
 * Every checkpoint of a run folder in step order: the periodic ones, then
 * checkpoints/final.ckpt (at `finalStep`, the config's step count) when present.
 */
export function runCheckpoints(runDir: string, finalStep: number): { step: number; file: string }[] {
  const p = runPaths(runDir);
  const out = listCheckpoints(p.checkpoints);
  if (fs.existsSync(p.final) && !out.some((c) => c.step === finalStep)) out.push({ step: finalStep, file: p.final });
  return out;
}
