/**
 * Reading 8-bit single-channel (greyscale) PNG files, such as EMIDEC's image and
 * label slices, with the maintained `pngjs` decoder. pngjs expands every pixel to
 * RGBA; the header's colour type and bit depth are checked first, so a PNG that is
 * not plain 8-bit grey (RGB, RGBA, palette, grey + alpha or tRNS, 1/2/4/16-bit) is refused
 * with an error naming the file and what it holds, never silently converted.
 */
import { readFileSync } from 'fs';
import { PNG } from 'pngjs';

/** A greyscale image: `data[row * width + col]`, row 0 (the top row of the PNG) first. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const COLOR_TYPES: Record<number, string> = { 0: 'greyscale', 2: 'RGB', 3: 'palette (indexed colour)', 4: 'greyscale + alpha', 6: 'RGBA' };

/**
 * Decode PNG bytes holding an 8-bit greyscale image.
 * @param bytes the file's content
 * @param file name used in error messages
 * @throws Error "<file>: ..." for bytes that are not a PNG, a corrupt PNG, or a PNG that is
 *   not 8-bit single-channel greyscale (naming the colour type and bit depth found)
 */
export function decodeGreyPng(bytes: Uint8Array, file: string): GreyImage {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    // skipRescale keeps 16-bit and low-depth samples unscaled, so the depth check below sees what the file holds
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new Error(`${file}: not a readable PNG (${(e as Error).message})`, { cause: e });
  }
  const kind = COLOR_TYPES[png.colorType] ?? `colour type ${png.colorType}`;
  if (png.colorType !== 0) throw new Error(`${file}: expected an 8-bit single-channel (greyscale) PNG, found ${png.depth}-bit ${kind}`);
  if (png.depth !== 8) throw new Error(`${file}: expected an 8-bit single-channel (greyscale) PNG, found ${png.depth}-bit greyscale`);
  // a tRNS chunk makes one grey value transparent, which pngjs decodes as 0: refuse rather than lose it
  if (png.alpha) throw new Error(`${file}: expected an 8-bit single-channel (greyscale) PNG, found greyscale with a transparency (tRNS) chunk`);
  const { width, height } = png;
  const rgba = png.data;
  if (rgba.length !== width * height * 4) throw new Error(`${file}: decoder returned ${rgba.length} bytes for ${width}x${height} pixels`);
  const data = new Uint8Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = rgba[4 * p]; // grey is copied into R, G and B
  return { width, height, data };
}

/**
 * Read an 8-bit greyscale PNG file.
 * @example
 * const { width, height, data } = readGreyPng('labels/Case_P012_slice003.png'); // 256, 256, Uint8Array
 * @throws Error naming the file (unreadable, not a PNG, not 8-bit greyscale)
 */
export function readGreyPng(file: string): GreyImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`, { cause: e });
  }
  return decodeGreyPng(bytes, file);
}
