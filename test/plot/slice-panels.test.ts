/**
 * The fixed-slice panel grid (lib/plot/slice-panels.ts): panel placement, the pixels each panel
 * shows (checked against the volume by coordinates), overlays, outlines with one legend entry
 * per name, and errors that name the panel.
 */
import { describe, expect, it } from 'vitest';
import { LESION_COLOR, maskContour, slicePanelsFigure, type PlotTrace } from '../../lib/plot';
import { makeVolume } from '../../lib/core/volume';
import { phantom } from './data';

const { image, classMap, lesion } = phantom([12, 10, 8], [1, 1, 2]);
const classes = [{ id: 1, name: 'organ' }, { id: 2, name: 'slab' }, { id: 3, name: 'lesion' }];
const shifted = makeVolume(Uint8Array.from(lesion.data, (_, v) => lesion.data[v - 1] ?? 0), lesion.dims, lesion.spacing);

function figure() {
  return slicePanelsFigure(
    [
      [
        { image, slice: 4, title: 'image' },
        { image, slice: 4, title: 'reference', classMap, outlines: [{ mask: lesion, name: 'reference lesion' }] },
        { image, slice: 4, title: 'model', outlines: [{ mask: lesion, name: 'reference lesion', dash: 'dot' }, { mask: shifted, name: 'predicted', color: '#0072B2' }] },
      ],
      [{ image, slice: 2, title: 'another slice', classMap }],
    ],
    { classes, title: 'panels' },
  );
}

const byName = (data: PlotTrace[], name: string) => data.filter((t) => t.name === name);

describe('slicePanelsFigure', () => {
  it('places rows top to bottom and columns left to right, one pair of axes per panel', () => {
    const fig = figure();
    const x1 = fig.layout.xaxis as { domain: number[] };
    const x3 = fig.layout.xaxis3 as { domain: number[] };
    const y1 = fig.layout.yaxis as { domain: number[]; scaleanchor: string };
    const y4 = fig.layout.yaxis4 as { domain: number[]; anchor: string };
    expect(x1.domain[0]).toBe(0);
    expect(x3.domain[1]).toBeCloseTo(1, 12);
    expect(y1.domain[1]).toBe(1);
    expect(y4.domain[0]).toBeCloseTo(0, 12);
    expect(y4.domain[1]).toBeLessThan(y1.domain[0]);
    expect(y4.anchor).toBe('x4');
    expect(y1.scaleanchor).toBe('x');
    // panel 5, 6 do not exist: the second row has one panel
    expect(fig.layout.xaxis5).toBeUndefined();
    const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(titles).toEqual(['image', 'reference', 'model', 'another slice']);
  });

  it('shows slice k of the image with i across and j up, windowed to the volume', () => {
    const fig = figure();
    const [img] = byName(fig.data, 'another slice');
    const z = img.z as number[][];
    const [nx, ny] = image.dims;
    expect(z.length).toBe(ny);
    expect(z[0].length).toBe(nx);
    // the brightest and darkest shown pixels follow the volume's own ordering at those coordinates
    const at = (i: number, j: number) => image.data[i + nx * (j + ny * 2)];
    let brightest = [0, 0];
    let darkest = [0, 0];
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      if (at(i, j) > at(brightest[0], brightest[1])) brightest = [i, j];
      if (at(i, j) < at(darkest[0], darkest[1])) darkest = [i, j];
    }
    expect(z[brightest[1]][brightest[0]]).toBe(Math.max(...z.flat()));
    expect(z[darkest[1]][darkest[0]]).toBe(Math.min(...z.flat()));
    const overlay = byName(fig.data, 'another slice classes')[0].z as (number | null)[][];
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      const c = classMap.data[i + nx * (j + ny * 2)];
      expect(overlay[j][i]).toBe(c > 0 ? c : null);
    }
  });

  it('draws outlines as contours of the slice, one legend entry per outline name, lesion red by default', () => {
    const fig = figure();
    const ref = byName(fig.data, 'reference lesion');
    expect(ref.length).toBe(2);
    expect(ref.map((t) => t.showlegend)).toEqual([true, false]);
    expect((ref[0].line as { color: string }).color).toBe(LESION_COLOR);
    expect((ref[1].line as { dash: string }).dash).toBe('dot');
    const [nx, ny] = lesion.dims;
    const slice = Array.from({ length: ny }, (_, j) => Array.from({ length: nx }, (_, i) => (lesion.data[i + nx * (j + ny * 4)] > 0 ? 1 : 0)));
    const expected = maskContour(slice, 1, 1);
    expect(ref[0].x).toEqual(expected.x);
    expect(ref[0].y).toEqual(expected.y);
    expect(expected.x.length).toBeGreaterThan(0);
    const predicted = byName(fig.data, 'predicted')[0];
    expect((predicted.line as { color: string }).color).toBe('#0072B2');
    // legend traces of the named classes close the data
    expect(fig.data.slice(-3).map((t) => t.name)).toEqual(['1: organ', '2: slab', '3: lesion']);
  });

  it('names the panel and the problem for bad input', () => {
    expect(() => slicePanelsFigure([])).toThrow(/no panels/);
    expect(() => slicePanelsFigure([[{ image, slice: 8 }]])).toThrow(/row 1, panel 1: slice 8 is outside 0\.\.7/);
    const small = makeVolume(new Uint8Array(8), [2, 2, 2], [1, 1, 1]);
    expect(() => slicePanelsFigure([[{ image, slice: 0 }, { image, slice: 0, classMap: small }]])).toThrow(/row 1, panel 2: class map grid 2x2x2 differs from the image grid 12x10x8/);
    expect(() => slicePanelsFigure([[{ image, slice: 0, outlines: [{ mask: small, name: 'pred' }] }]])).toThrow(/outline 'pred' grid 2x2x2/);
  });
});
