/**
 * lib/io/png.ts: 8-bit greyscale PNGs decode to their exact bytes (row 0 first), whether
 * pngjs or a hand-assembled file wrote them; every other kind of PNG (RGB, RGBA, grey +
 * alpha, palette, 16-bit, 4-bit, a tRNS chunk) and non-PNG bytes are refused with an error
 * naming the file and what it holds.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeGreyPng, readGreyPng } from '../../lib/io/png';
import { greyPng, otherPng, put, rawPng } from './png-fixtures';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-png-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readGreyPng', () => {
  it('returns the bytes of an 8-bit grey PNG written by pngjs, row 0 first', () => {
    const data = Array.from({ length: 5 * 3 }, (_, i) => (i * 37 + 11) % 256);
    const file = path.join(tmp, 'grey.png');
    put(file, greyPng(5, 3, data));
    const img = readGreyPng(file);
    expect([img.width, img.height]).toEqual([5, 3]);
    expect(Array.from(img.data)).toEqual(data);
  });

  it('returns the bytes of a hand-assembled 8-bit grey PNG (no pngjs encoder involved)', () => {
    const rows = [
      [0, 1, 2, 255],
      [4, 3, 128, 9],
    ];
    const img = decodeGreyPng(rawPng(4, 2, 0, 8, rows), 'hand.png');
    expect([img.width, img.height]).toEqual([4, 2]);
    expect(Array.from(img.data)).toEqual(rows.flat());
  });

  const refused: Array<[string, () => Buffer, RegExp]> = [
    ['RGB', () => otherPng(3, 2, 'rgb'), /found 8-bit RGB/],
    ['RGBA', () => otherPng(3, 2, 'rgba'), /found 8-bit RGBA/],
    ['grey + alpha', () => otherPng(3, 2, 'grey-alpha'), /found 8-bit greyscale \+ alpha/],
    ['16-bit grey', () => otherPng(3, 2, 'grey16'), /found 16-bit greyscale/],
    ['palette', () => rawPng(2, 1, 3, 8, [[0, 1]], [['PLTE', [0, 0, 0, 255, 255, 255]]]), /found 8-bit palette/],
    ['4-bit grey', () => rawPng(2, 1, 0, 4, [[0x12]]), /found 4-bit greyscale/],
    ['grey with tRNS', () => rawPng(2, 1, 0, 8, [[0, 5]], [['tRNS', [0, 5]]]), /found greyscale with a transparency \(tRNS\) chunk/],
  ];
  for (const [what, bytes, message] of refused) {
    it(`refuses ${what}, naming the file`, () => {
      const file = path.join(tmp, `${what.replace(/\W+/g, '-')}.png`);
      put(file, bytes());
      const prefix = `${file}: expected an 8-bit single-channel (greyscale) PNG, `.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(() => readGreyPng(file)).toThrow(new RegExp(`^${prefix}${message.source}`));
    });
  }

  it('refuses bytes that are not a PNG and a missing file, naming them', () => {
    const file = path.join(tmp, 'text.png');
    put(file, Buffer.from('not a png'));
    expect(() => readGreyPng(file)).toThrow(new RegExp(`${file}: not a readable PNG`));
    expect(() => readGreyPng(path.join(tmp, 'absent.png'))).toThrow(/absent\.png: cannot read \(ENOENT/);
  });
});
