import { describe, expect, it } from 'vitest';
import {
  ARM_COLORS, LESION_COLOR, armColor, classColors, classLegendFigure, describeFigure, fisherByLayerFigure,
  fisherOverTrainingFigure, fisherRatioFigure, frocFigure, heatmapFigure, lineFigure, maskContour,
  pairedDifferencesFigure, roundDeep, roundSignificant, sequentialColors, sizeBinFigure, sliceViewerFigure, lesionCentreSlice,
  summarizeCurves, trainingCurvesFigure, withAlpha, type Figure, type FisherSeries, type PlotTrace,
} from '../../lib/plot';
import { makeVolume } from '../../lib/core/volume';
import { curveRuns, phantom } from './data';

/** JSON with arrays of plain values on one line, so snapshots stay short and diffable. */
function compactJson(v: unknown, indent = ''): string {
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = indent + ' ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + compactJson(x, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, inner)}`).join(',\n')}\n${indent}}`;
}

/** Compare the rounded spec (4 significant digits) with the committed JSON under test/fixtures/plot/. */
async function snapshot(name: string, fig: Figure): Promise<void> {
  const text = compactJson(roundDeep(fig, 4)) + '\n';
  expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(roundDeep(fig, 4))));
  await expect(text).toMatchFileSnapshot(`../fixtures/plot/${name}.json`);
}

const trace = (fig: Figure, name: string): PlotTrace => {
  const t = fig.data.find((d) => d.name === name);
  if (!t) throw new Error(`no trace '${name}' in ${fig.data.map((d) => d.name).join(', ')}`);
  return t;
};
const axisTitle = (fig: Figure, axis: string) => (fig.layout[axis] as { title: { text: string } }).title.text;

describe('rounding and summaries', () => {
  it('rounds to significant digits, keeping small integers and non-finite values', () => {
    expect(roundSignificant(3.14159265)).toBe(3.142);
    expect(roundSignificant(0.000123456)).toBe(0.0001235);
    expect(roundSignificant(123456.7)).toBe(123500);
    expect(roundSignificant(42)).toBe(42);
    expect(roundSignificant(-0.00001, 1)).toBe(-0.00001);
    expect(roundSignificant(NaN)).toBeNaN();
    expect(roundDeep({ a: [1.23456, new Float32Array([0.5, 2.123456])], b: undefined, c: 'x' })).toEqual({ a: [1.235, [0.5, 2.123]], c: 'x' });
  });

  it('describes a figure in one line', () => {
    const fig = lineFigure([{ name: 'loss', x: [1, 2], y: [2, 1] }], { xTitle: 'epoch', yTitle: 'loss', title: 'Loss' });
    expect(describeFigure(fig)).toBe('Loss — 1 trace (scatter: loss); x: epoch; y: loss');
  });
});

describe('colours', () => {
  it('keeps the two arms in fixed, distinct colours', () => {
    expect(armColor('binary')).toBe(ARM_COLORS.binary);
    expect(armColor('backsplit')).toBe(ARM_COLORS.backsplit);
    expect(ARM_COLORS.binary).not.toBe(ARM_COLORS.backsplit);
    expect(() => armColor('multi' as never)).toThrow(/unknown label mode 'multi'/);
  });

  it('makes rgba strings and sequential palettes', () => {
    expect(withAlpha('#0072B2', 0.2)).toBe('rgba(0,114,178,0.2)');
    expect(() => withAlpha('blue', 1)).toThrow(/'#RRGGBB'/);
    const c = sequentialColors(4);
    expect(c).toHaveLength(4);
    expect(new Set(c).size).toBe(4);
    expect(c[0]).toBe('#440154');
  });

  it('colours lesions red, skips class 0 and cycles the palette otherwise', () => {
    const m = classColors([{ id: 0, name: 'unlabelled' }, { id: 2, name: 'liver' }, { id: 1, name: 'bone' }, { id: 3, name: 'Lesion' }, { id: 4, name: 'x', color: '#123456' }]);
    expect(m.has(0)).toBe(false);
    expect(m.get(3)).toBe(LESION_COLOR);
    expect(m.get(4)).toBe('#123456');
    expect(m.get(1)).not.toBe(m.get(2));
    expect(() => classColors([{ id: 1, name: 'a' }, { id: 1, name: 'b' }])).toThrow(/id 1 appears twice/);
  });
});

describe('training curves', () => {
  const runs = curveRuns();

  it('draws per arm: band upper, band lower (filled), mean, then one line per seed', async () => {
    const fig = trainingCurvesFigure(runs, { metric: 'validation Dice' });
    expect(fig.data).toHaveLength(2 * (3 + 3));
    expect(axisTitle(fig, 'xaxis')).toBe('epoch');
    expect(axisTitle(fig, 'yaxis')).toBe('validation Dice');
    const [upper, lower, mean] = fig.data.slice(6, 9);
    expect(mean.name).toMatch(/^BackSplit \(mean of 3 seeds/);
    expect(lower.fill).toBe('tonexty');
    expect(upper.fill).toBeUndefined();
    expect((mean.line as { color: string }).color).toBe(ARM_COLORS.backsplit);
    expect((fig.data[2].line as { color: string }).color).toBe(ARM_COLORS.binary);
    // Band arrays are mean ± sample SD, computed here independently at epoch 3 (index 2).
    const xs = runs.filter((r) => r.mode === 'backsplit').map((r) => r.values[2] as number);
    const m = (xs[0] + xs[1] + xs[2]) / 3;
    const sd = Math.sqrt(((xs[0] - m) ** 2 + (xs[1] - m) ** 2 + (xs[2] - m) ** 2) / 2);
    expect((mean.y as number[])[2]).toBeCloseTo(m, 12);
    expect((upper.y as number[])[2]).toBeCloseTo(m + sd, 12);
    expect((lower.y as number[])[2]).toBeCloseTo(m - sd, 12);
    expect(upper.x).toEqual([1, 2, 3, 4, 5]);
    await snapshot('training-curves', fig);
  });

  it('supports min–max and standard-error bands and uses only epochs every seed measured', () => {
    const partial = [
      { mode: 'binary' as const, seed: 1, epochs: [1, 2, 3], values: [0.1, 0.2, 0.3] },
      { mode: 'binary' as const, seed: 2, epochs: [1, 3], values: [0.3, 0.5] },
    ];
    const [s] = summarizeCurves(partial, 'minmax');
    expect(s.epochs).toEqual([1, 3]);
    expect(s.lower).toEqual([0.1, 0.3]);
    expect(s.upper).toEqual([0.3, 0.5]);
    const [se] = summarizeCurves(partial, 'sem');
    expect(se.upper[0] - se.mean[0]).toBeCloseTo(Math.sqrt(0.02) / Math.sqrt(2), 12);
    const one = summarizeCurves([partial[0]]);
    expect(one[0].upper).toEqual(one[0].mean);
  });

  it('rejects mismatched arrays and empty input', () => {
    expect(() => trainingCurvesFigure([], { metric: 'x' })).toThrow(/no runs/);
    expect(() => trainingCurvesFigure([{ mode: 'binary', seed: 4, epochs: [1, 2], values: [1] }], { metric: 'x' })).toThrow(/binary seed 4 has 2 epochs but 1 values/);
  });
});

describe('Fisher figures', () => {
  const series: FisherSeries[] = [];
  ['enc1', 'enc2', 'head'].forEach((layer, li) => {
    series.push({ layer, target: 'Y', steps: [0, 5, 10], values: [10 * (li + 1), 12 * (li + 1), 15 * (li + 1)] });
    series.push({ layer, target: 'Z', steps: [0, 5, 10], values: [8 * (li + 1), 9 * (li + 1), 10 * (li + 1)] });
  });

  it('draws one trace per layer and target, colour by layer, dash by target, kind in the title', async () => {
    const fig = fisherOverTrainingFigure(series, { kind: 'monte-carlo', quantity: 'trace of Fisher' });
    expect(fig.data).toHaveLength(6);
    const y = trace(fig, 'enc2 · Y (BackSplit classes)');
    const z = trace(fig, 'enc2 · Z (binary)');
    expect((y.line as { color: string }).color).toBe((z.line as { color: string }).color);
    expect((y.line as { dash: string }).dash).toBe('solid');
    expect((z.line as { dash: string }).dash).toBe('dash');
    expect((fig.layout.title as { text: string }).text).toContain('Monte-Carlo Fisher');
    expect((fig.layout.yaxis as { type: string }).type).toBe('log');
    expect(axisTitle(fig, 'yaxis')).toBe('trace of Fisher (monte-carlo)');
    await snapshot('fisher-over-training', fig);
  });

  it('compares Y and Z per layer in the arm colours, and their ratio', async () => {
    const bars = fisherByLayerFigure([{ layer: 'enc1', Y: 3, Z: 2 }, { layer: 'head', Y: 5, Z: 1 }], { kind: 'exact' });
    expect(bars.data.map((d) => (d.marker as { color: string }).color)).toEqual([ARM_COLORS.backsplit, ARM_COLORS.binary]);
    expect(bars.data[0].y).toEqual([3, 5]);
    const ratio = fisherRatioFigure(series, { kind: 'empirical' });
    expect(ratio.data).toHaveLength(3);
    expect(trace(ratio, 'enc1').y).toEqual([10 / 8, 12 / 9, 15 / 10]);
    expect((ratio.layout.title as { text: string }).text).toContain('not an estimate of the Fisher');
    await snapshot('fisher-ratio', ratio);
  });

  it('refuses unknown Fisher kinds and unpaired series', () => {
    expect(() => fisherOverTrainingFigure(series, { kind: 'diag' as never })).toThrow(/unknown Fisher kind 'diag'/);
    expect(() => fisherRatioFigure(series.filter((s) => !(s.layer === 'head' && s.target === 'Z')), { kind: 'exact' })).toThrow(/layer 'head' needs both a Y and a Z/);
  });
});

describe('evaluation figures', () => {
  it('puts asymmetric confidence intervals into error bars per arm and bin', async () => {
    const fig = sizeBinFigure([
      { bin: '< 0.1 mL', mode: 'binary', value: 0.4, low: 0.3, high: 0.55, n: 20 },
      { bin: '0.1–1 mL', mode: 'binary', value: 0.7, low: 0.6, high: 0.75, n: 30 },
      { bin: '< 0.1 mL', mode: 'backsplit', value: 0.5, low: 0.35, high: 0.6, n: 20 },
      { bin: '0.1–1 mL', mode: 'backsplit', value: null, low: null, high: null, n: 0 },
    ], { metric: 'detection rate', intervalLabel: '95% bootstrap CI', yRange: [0, 1] });
    expect(fig.data).toHaveLength(2);
    const b = trace(fig, 'Binary');
    expect(b.x).toEqual(['< 0.1 mL', '0.1–1 mL']);
    const err = b.error_y as { array: number[]; arrayminus: number[] };
    expect(err.array[0]).toBeCloseTo(0.15, 12);
    expect(err.arrayminus[0]).toBeCloseTo(0.1, 12);
    expect(err.array[1]).toBeCloseTo(0.05, 12);
    expect(trace(fig, 'BackSplit').y).toEqual([0.5, null]);
    expect((fig.layout.title as { text: string }).text).toContain('95% bootstrap CI');
    await snapshot('size-bins', fig);
    expect(() => sizeBinFigure([{ bin: 'a', mode: 'binary', value: 0.9, low: 0.1, high: 0.5 }], { metric: 'm' })).toThrow(/binary bin 'a' value 0.9 lies outside its interval \[0.1, 0.5\]/);
  });

  it('sorts paired differences and colours each by the arm it favours', async () => {
    const cases = [
      { caseId: 'c1', binary: 0.5, backsplit: 0.7 },
      { caseId: 'c2', binary: 0.6, backsplit: 0.5 },
      { caseId: 'c3', binary: 0.4, backsplit: 0.4 },
      { caseId: 'c4', binary: 0.2, backsplit: 0.5 },
    ];
    const fig = pairedDifferencesFigure(cases, { metric: 'Dice', meanDifference: { value: 0.1, low: -0.05, high: 0.25, label: '(95% CI)' } });
    expect(fig.data).toHaveLength(3);
    const diffs = fig.data[2];
    expect(diffs.x).toEqual(['c2', 'c3', 'c1', 'c4']);
    (diffs.y as number[]).forEach((v, i) => expect(v).toBeCloseTo([-0.1, 0, 0.2, 0.3][i], 12));
    expect((diffs.marker as { color: string[] }).color).toEqual([ARM_COLORS.binary, '#999999', ARM_COLORS.backsplit, ARM_COLORS.backsplit]);
    expect(fig.data[0].y).toEqual([0.5, 0.7, null, 0.6, 0.5, null, 0.4, 0.4, null, 0.2, 0.5, null]);
    expect((fig.layout.title as { text: string }).text).toContain('n = 4');
    expect(axisTitle(fig, 'yaxis2')).toBe('Δ Dice (BackSplit − binary)');
    expect(fig.layout.shapes as unknown[]).toHaveLength(3);
    await snapshot('paired-differences', fig);
    const lowerBetter = pairedDifferencesFigure(cases, { metric: 'HD95', higherIsBetter: false });
    expect((lowerBetter.data[2].marker as { color: string[] }).color[0]).toBe(ARM_COLORS.backsplit);
    expect(() => pairedDifferencesFigure([{ caseId: 'z', binary: NaN, backsplit: 1 }], { metric: 'Dice' })).toThrow(/case 'z' has a non-finite value/);
  });

  it('draws FROC curves sorted by false positives, in arm colours, with operating points', async () => {
    const fig = frocFigure([
      { mode: 'binary', points: [{ fpPerCase: 2, sensitivity: 0.8, threshold: 0.3 }, { fpPerCase: 0.5, sensitivity: 0.6, threshold: 0.7 }], highlight: { fpPerCase: 1, sensitivity: 0.7 } },
      { mode: 'backsplit', points: [{ fpPerCase: 0.25, sensitivity: 0.65 }, { fpPerCase: 1.5, sensitivity: 0.85 }] },
    ], { subset: 'lesions < 1 mL' });
    expect(fig.data).toHaveLength(3);
    expect(trace(fig, 'Binary').x).toEqual([0.5, 2]);
    expect(trace(fig, 'Binary').customdata).toEqual([0.7, 0.3]);
    expect((trace(fig, 'BackSplit').line as { color: string }).color).toBe(ARM_COLORS.backsplit);
    expect(axisTitle(fig, 'xaxis')).toBe('false-positive lesions per case');
    expect((fig.layout.yaxis as { range: number[] }).range).toEqual([0, 1.02]);
    await snapshot('froc', fig);
    expect(() => frocFigure([{ mode: 'binary', seed: 3, points: [{ fpPerCase: 1, sensitivity: 1.2 }] }])).toThrow(/binary seed 3 has point .*sensitivity 1.2/);
  });
});

describe('line and heatmap helpers', () => {
  it('builds a line figure with log axes and checks lengths', () => {
    const fig = lineFigure([{ name: 'a', x: [1, 2, 3], y: [1, 10, 100], dash: 'dot' }, { name: 'b', x: [1, 2], y: [2, 3] }], { xTitle: 'step', yTitle: 'value', logY: true });
    expect(fig.data).toHaveLength(2);
    expect((fig.layout.yaxis as { type: string }).type).toBe('log');
    expect(() => lineFigure([{ name: 'bad', x: [1, 2], y: [1] }], { xTitle: 'x', yTitle: 'y' })).toThrow(/series 'bad' has 2 x values but 1 y values/);
  });

  it('builds a heatmap of a 2D grid with titles, labels and annotations', async () => {
    const fig = heatmapFigure([[1, 2.345678, 3], [4, null, 6]], { xTitle: 'learning rate', yTitle: 'width', zTitle: 'tr F', x: ['1e-3', '3e-3', '1e-2'], y: [8, 16], annotateDigits: 2 });
    const t = fig.data[0];
    expect(t.type).toBe('heatmap');
    expect(t.text).toEqual([['1', '2.3', '3'], ['4', '', '6']]);
    expect((t.colorbar as { title: { text: string } }).title.text).toBe('tr F');
    expect(axisTitle(fig, 'xaxis')).toBe('learning rate');
    expect((fig.layout.xaxis as { type?: string }).type).toBe('category');
    await snapshot('heatmap', fig);
    expect(() => heatmapFigure([[1, 2], [3]], { xTitle: 'a', yTitle: 'b', zTitle: 'c' })).toThrow(/row 1 has 1 values, row 0 has 2/);
    expect(() => heatmapFigure([[1, 2]], { xTitle: 'a', yTitle: 'b', zTitle: 'c', x: [1] })).toThrow(/x has 1 labels, z has 2 columns/);
  });
});

describe('slice viewer and class legend', () => {
  const { image, classMap, lesion } = phantom();
  const classes = [{ id: 1, name: 'organ' }, { id: 2, name: 'slab' }, { id: 3, name: 'lesion' }];

  it('traces a mask outline along pixel edges', () => {
    const one = maskContour([[0, 0, 0], [0, 1, 0], [0, 0, 0]], 1, 2);
    // A single pixel: 4 segments, each as (start, end, null).
    expect(one.x).toHaveLength(12);
    const segs: number[][] = [];
    for (let s = 0; s < 4; s++) segs.push([one.x[3 * s], one.y[3 * s], one.x[3 * s + 1], one.y[3 * s + 1]] as number[]);
    expect(segs).toEqual([[0.5, 1, 1.5, 1], [0.5, 3, 1.5, 3], [0.5, 1, 0.5, 3], [1.5, 1, 1.5, 3]]);
    // A 2x2 block at the corner: collinear edges merge, perimeter 8 in 4 segments.
    const block = maskContour([[1, 1], [1, 1]], 1, 1);
    let length = 0;
    for (let s = 0; s < block.x.length; s += 3) length += Math.abs((block.x[s + 1] as number) - (block.x[s] as number)) + Math.abs((block.y[s + 1] as number) - (block.y[s] as number));
    expect(length).toBe(8);
    expect(block.x.length / 3).toBe(4);
  });

  it('shows three planes with overlay, contour, legend and an axial slider', async () => {
    const fig = sliceViewerFigure(image, { classMap, lesion, classes, title: 'phantom' });
    // 3 planes x (image, classes, contour) + 3 legend entries
    expect(fig.data).toHaveLength(12);
    expect(fig.data.map((d) => d.name).slice(0, 3)).toEqual(['axial image', 'axial classes', 'lesion contour']);
    expect(fig.data.slice(9).map((d) => d.name)).toEqual(['1: organ', '2: slab', '3: lesion']);
    expect((fig.data[11].marker as { color: string }).color).toBe(LESION_COLOR);
    // Axial image: rows = j (10), columns = i (12), pixel size in mm.
    const z = fig.data[0].z as number[][];
    expect(z).toHaveLength(10);
    expect(z[0]).toHaveLength(12);
    expect(fig.data[3].dy).toBe(2); // coronal rows are k, 2 mm apart
    // Initial slices at the lesion's centre of mass (i 7, j 5, k 4).
    const ann = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(ann).toEqual(['axial (k)', 'coronal (j = 5)', 'sagittal (i = 7)']);
    const slider = (fig.layout.sliders as { active: number; steps: { label: string; args: unknown[] }[] }[])[0];
    expect(slider.steps).toHaveLength(8);
    expect(slider.active).toBe(4);
    expect(fig.frames?.map((f) => f.name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => `axial:${k}`));
    expect(fig.frames?.[0].traces).toEqual([0, 1, 2]);
    // Class 0 is transparent (null); the lesion class shows at the lesion voxel.
    const cls = fig.data[1].z as (number | null)[][];
    expect(cls[0][0]).toBe(2);
    expect(cls[5][7]).toBe(3);
    expect(cls[5][0]).toBeNull();
    // The overlay's discrete colour scale gives class 3 the lesion red.
    const scale = fig.data[1].colorscale as [number, string][];
    expect(scale.filter(([, c]) => c === LESION_COLOR).map(([p]) => p)).toEqual([0.75, 1]);
    // Grey levels are windowed to 0..255 integers.
    expect(z.flat().every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    await snapshot('slice-viewer', fig);
  });

  it('opens figures of different lesion masks on one slice when given lesionCentreSlice of one of them (notebook 03 §5)', () => {
    const k = lesionCentreSlice(lesion, 'axial');
    expect(k).toBe(4);
    expect([lesionCentreSlice(lesion, 'coronal'), lesionCentreSlice(lesion, 'sagittal')]).toEqual([5, 7]);
    // a predicted mask elsewhere: by default its figure opens on another slice, with slices on the same one
    const moved = makeVolume(new Uint8Array(12 * 10 * 8), [12, 10, 8]);
    moved.data[1 * 120 + 2 * 12 + 3] = 1;
    const active = (fig: ReturnType<typeof sliceViewerFigure>) => (fig.layout.sliders as { active: number }[])[0].active;
    expect(active(sliceViewerFigure(image, { lesion: moved, planes: ['axial'] }))).toBe(1);
    expect(active(sliceViewerFigure(image, { lesion: moved, planes: ['axial'], slices: { axial: k } }))).toBe(4);
    expect(lesionCentreSlice(makeVolume(new Uint8Array(12 * 10 * 8), [12, 10, 8]))).toBe(4); // empty: the middle
  });

  it('downsamples big volumes and keeps the spec small', () => {
    const n = 160;
    const big = makeVolume(new Float32Array(n * n * 60).map((_, i) => i % 97), [n, n, 60], [0.8, 0.8, 3]);
    const fig = sliceViewerFigure(big, { maxInPlane: 64, maxSliderSteps: 20 });
    const z = fig.data[0].z as number[][];
    expect(z.length).toBeLessThanOrEqual(64);
    expect(z[0].length).toBeLessThanOrEqual(64);
    expect(fig.data[0].dx).toBeCloseTo(0.8 * 3, 12);
    expect(fig.frames).toHaveLength(20);
    expect((fig.layout.sliders as { steps: { label: string }[] }[])[0].steps.map((s) => s.label)).toContain('59');
    expect(JSON.stringify(fig).length).toBeLessThan(1_000_000);
  });

  it('checks grids and slice indices', () => {
    const other = makeVolume(new Uint8Array(2 * 2 * 2), [2, 2, 2]);
    expect(() => sliceViewerFigure(image, { lesion: other })).toThrow(/lesion grid 2x2x2 differs from the image grid 12x10x8/);
    expect(() => sliceViewerFigure(image, { slices: { axial: 8 } })).toThrow(/axial slice 8 is outside 0..7/);
    expect(() => sliceViewerFigure(image, { window: [5, 5] })).toThrow(/window must be \[low, high\] with low < high, got \[5, 5\]/);
    expect(() => sliceViewerFigure(image, { maxSliderSteps: 1 })).toThrow(/maxSliderSteps must be an integer >= 2, got 1/);
    // A single 2D slice (nz = 1) still works, pixel size = spacing.
    const flat = sliceViewerFigure(makeVolume(new Float32Array(6).map((_, i) => i), [3, 2, 1], [0.5, 0.7, 4]));
    expect(flat.data[0].z).toEqual([[0, 51, 102], [153, 204, 255]]);
    expect([flat.data[0].dx, flat.data[0].dy, flat.data[1].dx, flat.data[1].dy]).toEqual([0.5, 0.7, 0.5, 4]);
    const noSlider = sliceViewerFigure(image, { planes: ['sagittal'], sliders: [] });
    expect(noSlider.data).toHaveLength(1);
    expect(noSlider.frames).toBeUndefined();
  });

  it('draws a stand-alone class legend with names', async () => {
    const fig = classLegendFigure([{ id: 0, name: 'unlabelled' }, ...classes]);
    expect(fig.data[0].text).toEqual(['0: unlabelled', '1: organ', '2: slab', '3: lesion']);
    expect((fig.data[0].marker as { color: string[] }).color[3]).toBe(LESION_COLOR);
    await snapshot('class-legend', fig);
  });
});
