/**
 * Minimal PNG decoder for tests of our own renders: 8-bit greyscale, RGB or
 * RGBA, non-interlaced (what Chromium writes). Returns RGBA pixels.
 */
import * as zlib from 'zlib';

export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export function decodePng(buf: Uint8Array): DecodedPng {
  const b = Buffer.from(buf);
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  sig.forEach((v, i) => {
    if (b[i] !== v) throw new Error(`decodePng: bad signature byte ${i}: ${b[i]} (expected ${v})`);
  });
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const body = b.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9];
      if (depth !== 8) throw new Error(`decodePng: bit depth ${depth} unsupported (expected 8)`);
      if (body[12] !== 0) throw new Error('decodePng: interlaced PNG unsupported');
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`decodePng: colour type ${colorType} unsupported`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`decodePng: ${raw.length} bytes inflated, expected ${height * (stride + 1)}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const up = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = y > 0 && x >= channels ? px[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = up;
      else if (filter === 3) pred = (a + up) >> 1;
      else if (filter === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      } else if (filter !== 0) throw new Error(`decodePng: unknown filter ${filter} on row ${y}`);
      px[y * stride + x] = (line[x] + pred) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = px.subarray(i * channels, (i + 1) * channels);
    if (channels === 1 || channels === 2) {
      rgba.set([s[0], s[0], s[0], channels === 2 ? s[1] : 255], i * 4);
    } else {
      rgba.set([s[0], s[1], s[2], channels === 4 ? s[3] : 255], i * 4);
    }
  }
  return { width, height, rgba };
}

/** Distinct RGBA colours and the variance of luminance, to tell a blank image from a drawn one. */
export function imageStats(img: DecodedPng): { distinctColors: number; lumaVariance: number; nonWhiteFraction: number } {
  const colors = new Set<number>();
  let sum = 0;
  let sum2 = 0;
  let nonWhite = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const r = img.rgba[i * 4];
    const g = img.rgba[i * 4 + 1];
    const bl = img.rgba[i * 4 + 2];
    const a = img.rgba[i * 4 + 3];
    colors.add(((r << 24) | (g << 16) | (bl << 8) | a) >>> 0);
    const l = 0.299 * r + 0.587 * g + 0.114 * bl;
    sum += l;
    sum2 += l * l;
    if (r < 245 || g < 245 || bl < 245) nonWhite++;
  }
  const mean = sum / n;
  return { distinctColors: colors.size, lumaVariance: sum2 / n - mean * mean, nonWhiteFraction: nonWhite / n };
}
