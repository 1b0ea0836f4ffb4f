/**
 * Bounded gzip decompression for the NIfTI reader. A `.nii.gz` (or `.hdr.gz` / `.img.gz`)
 * is never inflated blindly: the reader first inflates only a prefix big enough for the
 * header (inflateHead), checks the size the header claims against the byte limit, and only
 * then inflates the whole stream with an output cap (inflateCapped). A small file whose
 * header claims gigabytes ("gzip bomb") is so refused after a few kilobytes of output.
 */
import * as zlib from 'zlib';
import { fail } from './nifti-header';

/** True when the bytes start with the gzip signature 1f 8b. */
export function isGzip(raw: Uint8Array): boolean {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/** A name ending in .gz must hold a gzip stream. */
export function checkGzipName(raw: Uint8Array, file: string): void {
  if (!isGzip(raw) && /\.gz$/i.test(file)) fail(file, 'gzip', 'the name ends in .gz but the gzip signature (1f 8b) is missing');
}

function gzipError(file: string, err: unknown): never {
  const e = err as NodeJS.ErrnoException;
  return fail(file, 'gzip', `gzip stream is corrupt or truncated (${e && e.message ? e.message : String(err)})`);
}

const tooLarge = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return Boolean(e && (e.code === 'ERR_BUFFER_TOO_LARGE' || /larger than|too large/i.test(String(e.message))));
};

/** Output cap of one prefix attempt (a deflate stream expands at most ~1032:1, so 4 KiB in gives < 8 MiB out). */
const PREFIX_OUTPUT_CAP = 8 * 2 ** 20;
const FIRST_PREFIX = 4096;

/**
 * Inflate just enough of a gzip stream to hold `minBytes` of output (or the whole stream
 * when it is shorter). Each attempt inflates a compressed prefix with a sync flush (a
 * truncated stream is then not an error) and at most PREFIX_OUTPUT_CAP bytes of output;
 * the prefix grows while the output is too short and shrinks (bisection) when it is too long.
 * @throws NiftiError 'gzip' for a corrupt stream
 */
export function inflateHead(raw: Uint8Array, minBytes: number, file: string): Uint8Array {
  let lo = 0;
  let hi = Infinity;
  let p = Math.min(FIRST_PREFIX, raw.length);
  for (;;) {
    let out: Uint8Array | null = null;
    try {
      out = zlib.gunzipSync(raw.subarray(0, p), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: PREFIX_OUTPUT_CAP });
    } catch (err) {
      if (!tooLarge(err)) gzipError(file, err);
    }
    if (out && (out.length >= minBytes || p >= raw.length)) return out;
    if (out) lo = p;
    else hi = p;
    const next = Number.isFinite(hi) ? Math.floor((lo + hi) / 2) : Math.min(2 * p, raw.length);
    if (next <= lo || next >= hi) return fail(file, 'gzip', `cannot inflate the first ${minBytes} bytes within ${PREFIX_OUTPUT_CAP} bytes of output`);
    p = next;
  }
}

/**
 * Inflate a whole gzip stream, refusing it once the output passes `cap` bytes.
 * @param what what the cap stands for, for the error message
 * @throws NiftiError 'too-large' past the cap, 'gzip' for a corrupt or truncated stream
 */
export function inflateCapped(raw: Uint8Array, cap: number, file: string, what: string): Uint8Array {
  try {
    return zlib.gunzipSync(raw, { maxOutputLength: Math.max(1, cap) });
  } catch (err) {
    if (tooLarge(err)) fail(file, 'too-large', `decompressed data exceed ${cap} bytes (${what})`);
    return gzipError(file, err);
  }
}
