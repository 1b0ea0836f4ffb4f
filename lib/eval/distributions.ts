/**
 * The few distribution functions the study's power line needs (./seed-stats):
 * the standard normal CDF, the (noncentral) Student t CDF and the central t
 * quantile. Checked against scipy.stats (norm.cdf, nct.cdf, t.ppf) through the
 * committed fixture test/fixtures/eval/stats_reference.json.
 *
 * Methods:
 * - Φ(x) = erfc(−x/√2)/2, with erfc from the all-positive series
 *   erf(z) = (2/√π) e^{−z²} Σ_n 2ⁿ z^{2n+1} / (1·3·…·(2n+1)) for |z| < 3, and the
 *   Lentz-evaluated continued fraction erfc(z) = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …))))
 *   beyond; about 1e-15 absolute.
 * - T = (Z + δ)/S with S = √(V/ν), V ~ χ²_ν, so P(T ≤ t) = E_S[Φ(t·S − δ)]: a
 *   composite Simpson integral over S (over the mode ± 12 scale units of S's density,
 *   at least 2400 panels and 40 per 1/|t|, normalised by the same rule so the density's
 *   constant cancels); about 1e-10 absolute for ν ≥ 1 (fixture: ≤ 1e-10).
 * - the t quantile by the Illinois (regula falsi) iteration on that CDF.
 */

const SQRT_PI = Math.sqrt(Math.PI);

/** erfc(z) for z ≥ 0. */
function erfcNonNegative(z: number): number {
  if (z < 3) {
    // erf by the positive series, then erfc = 1 − erf (no cancellation worth noting below 3)
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-z * z) * sum;
  }
  // continued fraction erfc(z) = e^{-z²}/√π · 1/(z + a1/(z + a2/(z + ...))), a_k = k/2 (modified Lentz)
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = z + a * d;
    d = d === 0 ? tiny : d;
    c = z + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / SQRT_PI / f;
}

/**
 * Standard normal CDF Φ(x).
 * @example normalCdf(1.959963984540054) // 0.975
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = x / Math.SQRT2;
  return z < 0 ? erfcNonNegative(-z) / 2 : 1 - erfcNonNegative(z) / 2;
}

const MIN_PANELS = 2400;

/**
 * Simpson nodes over S = √(χ²_ν/ν) with weights × S's density, normalised to sum 1. Panels:
 * at least 2400, and at least 40 per 1/|t| (the width over which Φ(t·s − δ) turns), so large
 * critical values stay accurate.
 */
function scaleQuadrature(df: number, t: number): { s: Float64Array; w: Float64Array } {
  const mode = df > 1 ? Math.sqrt((df - 1) / df) : 0;
  const scale = 1 / Math.sqrt(2 * df);
  const lo = Math.max(0, mode - 12 * scale);
  const hi = mode + 12 * scale + (df < 3 ? 4 : 0);
  const panels = 2 * Math.ceil(Math.max(MIN_PANELS, 40 * (hi - lo) * Math.abs(t)) / 2);
  const h = (hi - lo) / panels;
  const s = new Float64Array(panels + 1);
  const w = new Float64Array(panels + 1);
  // log density up to a constant: (ν − 1) log s − ν s² / 2
  const logAtMode = mode > 0 ? (df - 1) * Math.log(mode) - (df * mode * mode) / 2 : 0;
  let total = 0;
  for (let i = 0; i <= panels; i++) {
    const x = lo + i * h;
    s[i] = x;
    const simpson = i === 0 || i === panels ? 1 : i % 2 === 1 ? 4 : 2;
    const logDensity = x === 0 ? (df === 1 ? 0 : -Infinity) : (df - 1) * Math.log(x) - (df * x * x) / 2;
    w[i] = simpson * Math.exp(logDensity - logAtMode);
    total += w[i];
  }
  for (let i = 0; i <= panels; i++) w[i] /= total;
  return { s, w };
}

/**
 * CDF of Student's t with `df` degrees of freedom and noncentrality `ncp` (0: central t).
 * @param t the point
 * @param df degrees of freedom, ≥ 1 (whole or not)
 * @param ncp noncentrality δ (default 0)
 * @example studentTCdf(2.0, 9, 1.5) // P(T ≤ 2) for T ~ t'(9, 1.5), ≈ 0.654
 */
export function studentTCdf(t: number, df: number, ncp = 0): number {
  if (!(df >= 1) || !Number.isFinite(df)) throw new RangeError(`studentTCdf: df must be a finite number ≥ 1, got ${df}`);
  if (!Number.isFinite(ncp)) throw new RangeError(`studentTCdf: ncp must be finite, got ${ncp}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const { s, w } = scaleQuadrature(df, t);
  let p = 0;
  for (let i = 0; i < s.length; i++) if (w[i] > 0) p += w[i] * normalCdf(t * s[i] - ncp);
  return Math.min(1, Math.max(0, p));
}

/**
 * Quantile of the central t distribution.
 * @param p probability in (0, 1)
 * @param df degrees of freedom, ≥ 1
 * @example studentTQuantile(0.975, 9) // ≈ 2.262
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  // bracket, then the Illinois variant of regula falsi (superlinear, keeps the bracket)
  let lo = 0;
  let hi = 1;
  let fLo = 0.5 - p;
  let fHi = studentTCdf(hi, df) - p;
  while (fHi < 0) {
    lo = hi;
    fLo = fHi;
    hi *= 2;
    if (hi > 1e12) throw new RangeError(`studentTQuantile: no quantile found for p = ${p}, df = ${df}`);
    fHi = studentTCdf(hi, df) - p;
  }
  let side = 0;
  for (let i = 0; i < 100 && hi - lo > 1e-13 * hi; i++) {
    const x = (lo * fHi - hi * fLo) / (fHi - fLo);
    const f = studentTCdf(x, df) - p;
    if (f === 0) return x;
    if (f < 0) {
      lo = x;
      fLo = f;
      if (side === -1) fHi /= 2;
      side = -1;
    } else {
      hi = x;
      fHi = f;
      if (side === 1) fLo /= 2;
      side = 1;
    }
  }
  return (lo + hi) / 2;
}

/** log Γ(k/2) for a whole k ≥ 1, from Γ(1/2) = √π, Γ(1) = 1 and Γ(x + 1) = x Γ(x): exact up to rounding. */
function logGammaHalf(k: number): number {
  let x = k % 2 === 0 ? 1 : 0.5;
  let s = k % 2 === 0 ? 0 : Math.log(SQRT_PI);
  for (; x < k / 2; x += 1) s += Math.log(x);
  return s;
}

/** The continued fraction of the regularised incomplete beta I_x(a, b) (modified Lentz), for x < (a + 1)/(a + b + 2). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < tiny ? tiny : d;
  d = 1 / d;
  let f = d;
  for (let m = 1; m < 1000; m++) {
    // even step: m(b − m)x / ((a + 2m − 1)(a + 2m)); odd step: −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1))
    for (const coef of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + coef * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = 1 + coef / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** I_x(d1/2, d2/2) for whole d1, d2 ≥ 1. */
function incompleteBetaHalf(x: number, d1: number, d2: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const a = d1 / 2;
  const b = d2 / 2;
  const logFront = logGammaHalf(d1 + d2) - logGammaHalf(d1) - logGammaHalf(d2) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaFraction(1 - x, b, a)) / b;
}

/**
 * Quantile of Fisher's F distribution with whole degrees of freedom: the f with
 * P(F ≤ f) = p, where P(F ≤ f) = I_{d1 f/(d1 f + d2)}(d1/2, d2/2) (regularised incomplete
 * beta by its continued fraction), solved by bisection on log f to 1e-12 relative.
 * @param p probability in (0, 1)
 * @param d1 numerator degrees of freedom (whole, ≥ 1)
 * @param d2 denominator degrees of freedom (whole, ≥ 1)
 * @example fQuantile(0.975, 2, 2) // 39
 */
export function fQuantile(p: number, d1: number, d2: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`fQuantile: p must be in (0, 1), got ${p}`);
  for (const [name, d] of [['d1', d1], ['d2', d2]] as const) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`fQuantile: ${name} must be a whole number ≥ 1, got ${d}`);
  }
  const cdf = (f: number): number => incompleteBetaHalf((d1 * f) / (d1 * f + d2), d1, d2);
  let lo = -1;
  let hi = 1;
  while (cdf(Math.exp(lo)) > p) lo *= 2;
  while (cdf(Math.exp(hi)) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(Math.exp(mid)) < p) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}
