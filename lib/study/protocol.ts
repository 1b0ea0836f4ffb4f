/**
 * The study protocol (protocol.json at the repository root, explained in docs/protocol.md):
 * endpoints, arms, datasets, seeds, statistics and decision parameters fixed before any run.
 * This file loads and validates it, and gives the hash every report prints: the SHA-256 of the
 * file's canonical JSON (RFC 8785 style: keys sorted by UTF-16 code units at every level, no
 * whitespace, numbers and strings as JSON.stringify writes them), so reformatting the file keeps
 * the hash and any change of content changes it.
 *
 * A 'draft' protocol may hold null placeholders (values the lead still has to fix); a 'frozen'
 * one may not, and its stopping rule must be 'fixed'. Errors name the file and every bad field.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import * as path from 'path';

/** The primary endpoint: small-lesion FROC partial AUC (lib/eval/froc). */
export interface PrimaryEndpointSpec {
  id: string;
  statistic: 'froc-partial-auc';
  maxFpPerCase: number;
  /** reference lesions in [min, max) mL enter the sensitivity */
  lesionVolumeMl: { min: number; max: number };
  candidateThreshold: number;
  candidateScore: 'max-probability';
  connectivity: 6 | 18 | 26;
  dilationVoxels: number;
  reportedSensitivityAtFpPerCase: number[];
  higherIsBetter: boolean;
  /** the smallest primary effect that matters (refutation: CI upper end below it) */
  smallestEffectOfInterest: number;
}

/** A secondary endpoint: a per-case metric of lib/eval at the tuned threshold. */
export interface SecondaryEndpointSpec {
  id: string;
  higherIsBetter: boolean;
  toleranceMm?: number;
}

/** One paired comparison: arm − baseline. */
export interface Comparison {
  arm: string;
  baseline: string;
}

/** A family of tests Holm-adjusted together (over its endpoints × comparisons × datasets). */
export interface TestFamily {
  id: string;
  endpoints: string[];
  comparisons: Comparison[];
}

/** The statistics section. */
export interface ProtocolStatistics {
  alpha: number;
  bootstrap: { caseResampling: 'auto' | 'nested' | 'crossed'; replicates: number; seed: number; confidence: number };
  test: { method: 'sign-flip'; exactUpToSeeds: number; monteCarloDraws: number; seed: number };
  power: { method: 'paired-t-noncentral'; power: number; maxSeeds: number };
  families: TestFamily[];
}

/** An arm of the study. */
export interface ArmSpec {
  id: string;
  labels: 'binary' | 'backsplit' | 'placebo-voronoi' | 'placebo-quantile';
  head: '2' | 'K+2';
  loss: 'dice-ce' | 'lesion-dice-ce' | 'ce';
  definition: string;
}

/** A dataset of the study; its conditions live in docs/dataset-conditions.md. */
export interface DatasetSpec {
  id: string;
  role: 'mechanism-positive' | 'null' | 'continuity' | 'real';
  definition: string;
  minTestCases: number | null;
  caseUnit: 'volume' | 'patient' | 'slice' | null;
}

/** The whole protocol, as protocol.json holds it. */
export interface Protocol {
  protocol: string;
  version: number;
  status: 'draft' | 'frozen';
  description: string;
  claim: string;
  lesionProbabilityMap: 'softmax-lesion-channel';
  primary: PrimaryEndpointSpec;
  secondary: {
    endpoints: SecondaryEndpointSpec[];
    threshold: { tunedOn: 'validation'; per: 'run'; criterion: string; grid: { from: number; to: number; step: number }; tieBreak: 'closest-to-0.5' };
  };
  robustness: { id: string; field: string; values: number[] }[];
  baselineArm: string;
  confirmatoryArm: string;
  arms: ArmSpec[];
  datasets: DatasetSpec[];
  axes: { design: string; factors: { id: string; levels: number[]; default: number | null }[] };
  seeds: { unit: 'training-run'; minimum: number; planned: number; perSeed: string[]; testSet: string };
  statistics: ProtocolStatistics;
  /** patience and minDelta belong to an early-stopping rule; the frozen v1 trains a fixed budget and has neither. */
  stopping: { status: 'proposal' | 'fixed'; maxSteps: number | null; validateEvery: number | null; select: string; patience?: number | null; minDelta?: number | null };
}

/** The committed protocol file. */
export const PROTOCOL_PATH = path.join(__dirname, '..', '..', 'protocol.json');

// ---- a small structural checker: each check appends "<path>: <problem>" lines ----

type Check = (value: unknown, at: string, errors: string[]) => void;

const describe = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

function text(...allowed: string[]): Check {
  return (v, at, errors) => {
    if (typeof v !== 'string' || v.length === 0) errors.push(`${at} must be a non-empty string, got ${describe(v)}`);
    else if (allowed.length && !allowed.includes(v)) errors.push(`${at} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got "${v}"`);
  };
}

function num(opts: { min?: number; max?: number; above?: number; below?: number; integer?: boolean; nullable?: boolean } = {}): Check {
  return (v, at, errors) => {
    if (v === null && opts.nullable) return;
    const ok = typeof v === 'number' && Number.isFinite(v) && (!opts.integer || Number.isInteger(v)) &&
      (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max) &&
      (opts.above === undefined || v > opts.above) && (opts.below === undefined || v < opts.below);
    if (!ok) {
      const range = [opts.min !== undefined && `≥ ${opts.min}`, opts.above !== undefined && `> ${opts.above}`, opts.max !== undefined && `≤ ${opts.max}`, opts.below !== undefined && `< ${opts.below}`].filter(Boolean).join(' and ');
      errors.push(`${at} must be ${opts.integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}${opts.nullable ? ' (or null)' : ''}, got ${describe(v)}`);
    }
  };
}

const bool: Check = (v, at, errors) => {
  if (typeof v !== 'boolean') errors.push(`${at} must be true or false, got ${describe(v)}`);
};

function list(item: Check, minLength = 1): Check {
  return (v, at, errors) => {
    if (!Array.isArray(v) || v.length < minLength) errors.push(`${at} must be a list of at least ${minLength}, got ${describe(v)}`);
    else v.forEach((x, i) => item(x, `${at}[${i}]`, errors));
  };
}

function obj(shape: Record<string, Check>, optional: readonly string[] = []): Check {
  return (v, at, errors) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errors.push(`${at} must be an object, got ${describe(v)}`);
      return;
    }
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!(key in shape)) errors.push(`${at}.${key} is not a protocol field (known: ${Object.keys(shape).join(', ')})`);
    for (const [key, check] of Object.entries(shape)) {
      if (!(key in o)) {
        if (!optional.includes(key)) errors.push(`${at}.${key} is missing`);
      } else check(o[key], `${at}.${key}`, errors);
    }
  };
}

const probability = num({ above: 0, below: 1 });

const PRIMARY = obj({
  id: text(), statistic: text('froc-partial-auc'), maxFpPerCase: num({ above: 0 }),
  lesionVolumeMl: obj({ min: num({ min: 0 }), max: num({ above: 0 }) }),
  candidateThreshold: probability, candidateScore: text('max-probability'),
  connectivity: (v, at, errors) => {
    if (v !== 6 && v !== 18 && v !== 26) errors.push(`${at} must be 6, 18 or 26, got ${describe(v)}`);
  },
  dilationVoxels: num({ min: 0, integer: true }), reportedSensitivityAtFpPerCase: list(num({ above: 0 })),
  higherIsBetter: bool, smallestEffectOfInterest: num({ above: 0 }),
});

const SECONDARY = obj({
  endpoints: list(obj({ id: text(), higherIsBetter: bool, toleranceMm: num({ above: 0 }) }, ['toleranceMm'])),
  threshold: obj({
    tunedOn: text('validation'), per: text('run'), criterion: text(),
    grid: obj({ from: probability, to: probability, step: num({ above: 0 }) }), tieBreak: text('closest-to-0.5'),
  }),
});

const STATISTICS = obj({
  alpha: probability,
  bootstrap: obj({ caseResampling: text('auto', 'nested', 'crossed'), replicates: num({ min: 100, integer: true }), seed: num({ integer: true }), confidence: probability }),
  test: obj({ method: text('sign-flip'), exactUpToSeeds: num({ min: 0, max: 20, integer: true }), monteCarloDraws: num({ min: 1000, integer: true }), seed: num({ integer: true }) }),
  power: obj({ method: text('paired-t-noncentral'), power: probability, maxSeeds: num({ min: 2, integer: true }) }),
  families: list(obj({ id: text(), endpoints: list(text()), comparisons: list(obj({ arm: text(), baseline: text() })) })),
});

const PROTOCOL = obj({
  protocol: text(), version: num({ min: 1, integer: true }), status: text('draft', 'frozen'), description: text(), claim: text(),
  lesionProbabilityMap: text('softmax-lesion-channel'), primary: PRIMARY, secondary: SECONDARY,
  robustness: list(obj({ id: text(), field: text(), values: list(num()) }), 0),
  baselineArm: text(), confirmatoryArm: text(),
  arms: list(obj({ id: text(), labels: text('binary', 'backsplit', 'placebo-voronoi', 'placebo-quantile'), head: text('2', 'K+2'), loss: text('dice-ce', 'lesion-dice-ce', 'ce'), definition: text() }), 2),
  datasets: list(obj({
    id: text(), role: text('mechanism-positive', 'null', 'continuity', 'real'), definition: text(),
    minTestCases: num({ min: 1, integer: true, nullable: true }),
    caseUnit: (v, at, errors) => (v === null ? undefined : text('volume', 'patient', 'slice')(v, at, errors)),
  })),
  axes: obj({ design: text(), factors: list(obj({ id: text(), levels: list(num()), default: num({ nullable: true }) }), 0) }),
  seeds: obj({ unit: text('training-run'), minimum: num({ min: 2, integer: true }), planned: num({ min: 2, integer: true }), perSeed: list(text()), testSet: text() }),
  statistics: STATISTICS,
  stopping: obj({
    status: text('proposal', 'fixed'), maxSteps: num({ min: 1, integer: true, nullable: true }), validateEvery: num({ min: 1, integer: true, nullable: true }),
    select: text(), patience: num({ min: 1, integer: true, nullable: true }), minDelta: num({ min: 0, nullable: true }),
  }, ['patience', 'minDelta']),
});

/** Paths of every null in a JSON value (placeholders of a draft). */
function nullPaths(v: unknown, at: string, out: string[]): string[] {
  if (v === null) out.push(at);
  else if (Array.isArray(v)) v.forEach((x, i) => nullPaths(x, `${at}[${i}]`, out));
  else if (typeof v === 'object') for (const [k, x] of Object.entries(v as object)) nullPaths(x, `${at}.${k}`, out);
  return out;
}

function duplicates(ids: string[]): string[] {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

/** Checks across fields: references between sections, orders, seeds enough for the tests. */
function crossChecks(p: Protocol, errors: string[]): void {
  const arms = p.arms.map((a) => a.id);
  const endpoints = ['primary', ...p.secondary.endpoints.map((e) => e.id)];
  for (const d of duplicates(arms)) errors.push(`arms: id "${d}" appears more than once`);
  for (const d of duplicates(p.datasets.map((x) => x.id))) errors.push(`datasets: id "${d}" appears more than once`);
  for (const d of duplicates(endpoints)) errors.push(`secondary.endpoints: id "${d}" appears more than once (or is "primary")`);
  for (const key of ['baselineArm', 'confirmatoryArm'] as const) if (!arms.includes(p[key])) errors.push(`${key} "${p[key]}" is not an arm id (${arms.join(', ')})`);
  if (!(p.primary.lesionVolumeMl.min < p.primary.lesionVolumeMl.max)) errors.push('primary.lesionVolumeMl.min must be below max');
  const g = p.secondary.threshold.grid;
  if (!(g.from <= g.to)) errors.push('secondary.threshold.grid.from must not exceed to');
  if (!endpoints.includes(p.secondary.threshold.criterion)) errors.push(`secondary.threshold.criterion "${p.secondary.threshold.criterion}" is not a secondary endpoint`);
  if (p.seeds.planned < p.seeds.minimum) errors.push('seeds.planned must be at least seeds.minimum');
  p.robustness.forEach((r, i) => {
    const target = r.field.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), p);
    if (typeof target !== 'number') errors.push(`robustness[${i}].field "${r.field}" is not a numeric protocol field`);
  });
  p.statistics.families.forEach((f, i) => {
    for (const e of f.endpoints) if (!endpoints.includes(e)) errors.push(`statistics.families[${i}] (${f.id}): endpoint "${e}" is not "primary" or a secondary endpoint`);
    for (const c of f.comparisons) for (const a of [c.arm, c.baseline]) if (!arms.includes(a)) errors.push(`statistics.families[${i}] (${f.id}): arm "${a}" is not an arm id`);
    // the exact sign-flip test cannot go below 2/2ⁿ: the family's first Holm step needs 2/2ⁿ ≤ α/m
    const m = f.endpoints.length * f.comparisons.length * p.datasets.length;
    const needed = Math.ceil(Math.log2((2 * m) / p.statistics.alpha) - 1e-12);
    if (p.seeds.minimum < needed) errors.push(`seeds.minimum ${p.seeds.minimum} is too few for family "${f.id}" (${m} tests): the sign-flip test needs ≥ ${needed} seeds to reach α/${m}`);
  });
}

/**
 * Validate a parsed protocol; throws one error listing every problem, prefixed by `source`.
 * @param value the parsed JSON
 * @param source the file name for messages
 */
export function validateProtocol(value: unknown, source: string): Protocol {
  const errors: string[] = [];
  PROTOCOL(value, 'protocol', errors);
  if (errors.length === 0) {
    const p = value as Protocol;
    crossChecks(p, errors);
    if (p.status === 'frozen') {
      for (const at of nullPaths(p, 'protocol', [])) errors.push(`${at} is still a placeholder (null) in a frozen protocol`);
      if (p.stopping.status !== 'fixed') errors.push('stopping.status must be "fixed" in a frozen protocol');
    }
  }
  if (errors.length) throw new Error(`${source}: invalid protocol:\n  ${errors.join('\n  ')}`);
  return value as Protocol;
}

/**
 * Canonical JSON of a value: object keys sorted (UTF-16 code-unit order) at every level, no whitespace.
 * @example canonicalJson({ b: [1, { d: 0, c: 'x' }], a: true }) // '{"a":true,"b":[1,{"c":"x","d":0}]}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`canonicalJson: ${value} has no JSON form`);
  return JSON.stringify(value);
}

/**
 * SHA-256 (hex) of the canonical JSON of a protocol file's text.
 * @param text the file's contents
 * @param source the file name for the parse error
 */
export function protocolHash(text: string, source = 'protocol'): string {
  return createHash('sha256').update(canonicalJson(parseJson(text, source)), 'utf8').digest('hex');
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** A loaded protocol with the hash reports print. */
export interface LoadedProtocol {
  protocol: Protocol;
  sha256: string;
  path: string;
}

/**
 * Read, validate and hash a protocol file.
 * @param file default: the committed protocol.json
 * @example const { protocol, sha256 } = loadProtocol();
 */
export function loadProtocol(file: string = PROTOCOL_PATH): LoadedProtocol {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read the protocol (${(e as Error).message})`, { cause: e });
  }
  const protocol = validateProtocol(parseJson(text, file), file);
  return { protocol, sha256: protocolHash(text, file), path: file };
}

/**
 * The line a report prints about its protocol.
 * @example describeProtocol(loadProtocol()) // 'protocol backsplit-small-lesion-detection v1 (draft), sha256 3f2a…'
 */
export function describeProtocol(loaded: LoadedProtocol): string {
  return `protocol ${loaded.protocol.protocol} v${loaded.protocol.version} (${loaded.protocol.status}), sha256 ${loaded.sha256}`;
}
