/**
 * Tiny PNG files for the tests of lib/io/png.ts and the EMIDEC importer: written with
 * pngjs's encoder (8-bit grey, RGB, RGBA, grey + alpha, 16-bit grey), or assembled chunk by
 * chunk here (palette, low bit depth, a tRNS chunk: kinds pngjs cannot encode), so the
 * decoder is also checked on bytes it did not write.
 */
import { writeFileSync } from 'fs';
import { PNG } from 'pngjs';
import * as zlib from 'zlib';

/** An 8-bit greyscale PNG of `data` (row-major, row 0 first), encoded by pngjs. */
export function greyPng(width: number, height: number, data: ArrayLike<number>): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(Array.from(data));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
}

/** A PNG of another kind encoded by pngjs: colour type 2 (RGB), 4 (grey + alpha), 6 (RGBA), or 16-bit grey. */
export function otherPng(width: number, height: number, kind: 'rgb' | 'rgba' | 'grey-alpha' | 'grey16'): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.alloc(width * height * 4, 7);
  if (kind === 'grey16') {
    png.data = Buffer.alloc(width * height * 2, 1);
    return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 16, inputHasAlpha: false });
  }
  const colorType = kind === 'rgb' ? 2 : kind === 'rgba' ? 6 : 4;
  return PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth: 8, inputHasAlpha: true });
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A PNG assembled by hand: IHDR, optional extra chunks (PLTE, tRNS), one IDAT of the given
 * packed rows (each prefixed with filter byte 0), IEND.
 */
export function rawPng(width: number, height: number, colorType: number, depth: number, rows: number[][], extra: Array<[string, number[]]> = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  const raw = Buffer.from(rows.flatMap((r) => [0, ...r]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map(([t, d]) => chunk(t, Buffer.from(d))),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Write bytes to a file (a PNG fixture). */
export function put(file: string, bytes: Buffer): void {
  writeFileSync(file, bytes);
}
