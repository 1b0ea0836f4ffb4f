import { describe, expect, it } from 'vitest';
import {
  formatFixed, formatInterval, formatMatrix, formatPercent, formatPlusMinus, formatSignificant, formatTable,
} from '../../lib/core/format';

describe('formatTable', () => {
  it('aligns numbers right and text left, with a rule under the header', () => {
    const t = formatTable(['id', 'name'], [[1, 'liver'], [12, 'kidneys']]);
    expect(t.split('\n')).toEqual(['id  name', '--  -------', ' 1  liver', '12  kidneys']);
  });

  it('rejects ragged rows', () => {
    expect(() => formatTable(['a', 'b'], [[1]])).toThrow(/row 0 has 1 cells, header has 2/);
  });

  it('left-aligns a column that mixes numbers and text', () => {
    expect(formatTable(['v'], [[1], ['ab']]).split('\n')).toEqual(['v', '--', '1', 'ab']);
  });
});

describe('number formatters', () => {
  it('formatFixed writes decimals and n/a for missing or non-finite values', () => {
    expect(formatFixed(0.12345, 2)).toBe('0.12');
    expect(formatFixed(2)).toBe('2.000');
    expect([null, undefined, NaN, Infinity].map((x) => formatFixed(x))).toEqual(['n/a', 'n/a', 'n/a', 'n/a']);
  });

  it('formatSignificant rounds to significant digits without trailing zeros', () => {
    expect(formatSignificant(0.0123456)).toBe('0.0123');
    expect(formatSignificant(1234.5, 2)).toBe('1200');
    expect(formatSignificant(2.5)).toBe('2.5');
    expect(formatSignificant(NaN)).toBe('NaN');
    expect(formatSignificant(-Infinity)).toBe('-Infinity');
  });

  it('formatInterval and formatPlusMinus', () => {
    expect(formatInterval([0.1, 0.25])).toBe('[0.100, 0.250]');
    expect(formatInterval(null)).toBe('n/a');
    expect(formatInterval([0.5, NaN], 1)).toBe('[0.5, n/a]');
    expect(formatPlusMinus(12.345, 0.4567)).toBe('12.3 ± 0.46');
    expect(formatPlusMinus(1, undefined)).toBe('1 ± NaN');
  });

  it('formatMatrix right-aligns fixed decimals row by row', () => {
    expect(formatMatrix([[1, -0.5], [10, 0]], 1, 5)).toBe('    1.0  -0.5\n   10.0   0.0');
  });

  it('formatPercent of a total, 0 % for an empty total', () => {
    expect(formatPercent(1, 3)).toBe('33.3%');
    expect(formatPercent(1, 8, 2)).toBe('12.50%');
    expect(formatPercent(0, 0)).toBe('0.0%');
  });
});
