/**
 * Plain-text formatting for console output of notebooks, CLI commands and
 * reports: aligned tables, numbers rounded for reading (fixed decimals or
 * significant digits, 'n/a' for a missing value), intervals, value ± error
 * and small matrices. Pure string functions; nothing here computes a result.
 */

/** A table cell: text is left-aligned, numbers right-aligned. */
export type TableCell = string | number;

/**
 * Format rows as an aligned plain-text table (numbers right-aligned, text left-aligned).
 * A column is right-aligned only when every one of its cells is a number.
 * @example formatTable(['id', 'name'], [[1, 'liver']]) // "id  name\n--  -----\n 1  liver"
 * @param header column titles
 * @param rows one array per row, same length as header
 * @throws RangeError naming the first row whose length differs from the header's
 */
export function formatTable(header: string[], rows: ReadonlyArray<ReadonlyArray<TableCell>>): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new RangeError(`formatTable: row ${i} has ${r.length} cells, header has ${header.length}`);
  });
  const cells = rows.map((r) => r.map((v) => String(v)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const pad = (s: string, c: number) => (numeric[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]));
  const lines = [header.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((r) => r.map(pad).join('  '))];
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n');
}

/**
 * A number with a fixed count of decimals; 'n/a' for null, undefined, NaN or ±Infinity.
 * @example formatFixed(0.12345, 2) // "0.12"
 * @param digits decimals (default 3)
 */
export function formatFixed(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

/**
 * A number rounded to significant digits without trailing zeros; non-finite values as JavaScript
 * writes them ('NaN', 'Infinity').
 * @example formatSignificant(0.0123456) // "0.0123"
 * @param digits significant digits (default 3)
 */
export function formatSignificant(x: number, digits = 3): string {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x);
}

/**
 * A confidence interval as "[lo, hi]" with fixed decimals; 'n/a' when there is none.
 * @example formatInterval([0.1, 0.25]) // "[0.100, 0.250]"
 * @param digits decimals of each bound (default 3)
 */
export function formatInterval(interval: readonly [number, number] | null | undefined, digits = 3): string {
  return interval ? `[${formatFixed(interval[0], digits)}, ${formatFixed(interval[1], digits)}]` : 'n/a';
}

/**
 * A value with its standard error, both in significant digits: "12.3 ± 0.45".
 * A missing error shows as NaN, so the reader sees that it is missing.
 * @example formatPlusMinus(12.345, 0.4567) // "12.3 ± 0.46"
 * @param digits significant digits of the value (default 3); the error gets 2
 */
export function formatPlusMinus(value: number, stdError: number | undefined, digits = 3): string {
  return `${formatSignificant(value, digits)} ± ${formatSignificant(stdError ?? NaN, 2)}`;
}

/**
 * A matrix as indented lines of right-aligned fixed-decimal numbers (e.g. a 4×4 affine).
 * @example formatMatrix([[1, 0], [0, 1]], 1, 4) // "   1.0  0.0\n   0.0  1.0" with the default indent
 * @param digits decimals (default 2)
 * @param width minimum width of each number (default 8)
 * @param indent prefix of every line (default two spaces)
 */
export function formatMatrix(rows: ReadonlyArray<ArrayLike<number>>, digits = 2, width = 8, indent = '  '): string {
  return rows.map((row) => indent + Array.from(row, (v) => v.toFixed(digits).padStart(width)).join(' ')).join('\n');
}

/**
 * A share of a total as a percentage with fixed decimals; 0 % when the total is 0.
 * @example formatPercent(1, 3, 1) // "33.3%"
 * @param digits decimals (default 1)
 */
export function formatPercent(part: number, total: number, digits = 1): string {
  return `${(total > 0 ? (100 * part) / total : 0).toFixed(digits)}%`;
}
