/**
 * What a dataset kind is (lib/data/registry.ts lists them): the config's `kind`
 * name, checking a config object with errors that name the field, loading the
 * cases, and a phrase for reports. Plus the field checks the kind files share,
 * so every kind words its errors the same way:
 * `'dataset.cases' must be a positive integer, got 0`.
 */
import * as path from 'path';
import type { TissueAuxConfig } from '../case-files';
import type { SegmentationCase } from '../../core/types';

/** The cases of a dataset and their provenance (for a run's meta.json). */
export interface LoadedDataset {
  cases: SegmentationCase[];
  info: Record<string, unknown>;
}

/** One dataset format, keyed by the config's `kind`. */
export interface DatasetKind<C extends { kind: string }> {
  name: C['kind'];
  /** The fields of this kind's config, for error messages, e.g. "{kind: 'manifest', path}". */
  fields: string;
  /** Check a config object whose `kind` is this kind's and fill defaults (errors: DatasetConfigError naming the field). */
  resolve(raw: ConfigFields): C;
  /** Load every case; relative paths in the config are relative to `baseDir`. */
  load(config: C, baseDir: string): LoadedDataset;
  /** A short phrase naming the data, for reports. */
  describe(config: C): string;
  /** Voxels of all cases together when known from the config alone (before loading), for the memory check. */
  voxels?(config: C): number;
}

/** Thrown for an invalid dataset config; the message names the field. */
export class DatasetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetConfigError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Typed access to the fields of one raw dataset config, with errors naming `<prefix>.<field>`. */
export class ConfigFields {
  constructor(
    readonly raw: Obj,
    readonly prefix: string,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new DatasetConfigError(`'${this.prefix}.${field}' must be ${expected}, got ${JSON.stringify(got)}`);
  }

  /** Reject fields this kind does not know. */
  only(known: string[]): void {
    for (const k of Object.keys(this.raw)) {
      if (!known.includes(k)) throw new DatasetConfigError(`unknown field '${this.prefix}.${k}' (a ${this.raw.kind} dataset has only ${known.join(', ')})`);
    }
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined;
  }

  /** An integer ≥ min (default when absent). */
  int(field: string, min: number, def: number): number {
    const v = this.raw[field] ?? def;
    if (!isInt(v) || v < min) this.fail(field, min > 0 ? 'a positive integer' : 'a non-negative integer', this.raw[field]);
    return v;
  }

  /** A required non-empty string (`what` says what it names). */
  text(field: string, what: string): string {
    const v = this.raw[field];
    if (!isName(v)) this.fail(field, what, v);
    return v;
  }

  /** A non-empty list of non-empty strings. */
  names(field: string, what: string): string[] {
    const v = this.raw[field];
    if (!Array.isArray(v) || v.length === 0 || !v.every(isName)) this.fail(field, what, v);
    return [...v];
  }

  /** A non-empty list of positive integers. */
  labelValues(field: string): number[] {
    const v = this.raw[field];
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => isInt(x) && x > 0)) this.fail(field, 'a non-empty list of positive integer label values', v);
    return [...v];
  }

  /** Tissue classes from one channel: {channel, classes, names?, method?, seed?}. */
  tissue(field: string): TissueAuxConfig {
    const t = new ConfigFields(isObj(this.raw[field]) ? (this.raw[field] as Obj) : {}, `${this.prefix}.${field}`);
    if (!isObj(this.raw[field])) this.fail(field, '{channel, classes, names?, method?, seed?}', this.raw[field]);
    t.only(['channel', 'classes', 'names', 'method', 'seed']);
    const out: TissueAuxConfig = { channel: t.text('channel', 'a channel name'), classes: t.int('classes', 1, NaN) };
    if (t.has('names')) out.names = t.names('names', 'a list of class names');
    if (t.has('method')) {
      if (t.raw.method !== 'kmeans' && t.raw.method !== 'gmm') t.fail('method', "'kmeans' or 'gmm'", t.raw.method);
      out.method = t.raw.method as 'kmeans' | 'gmm';
    }
    if (t.has('seed')) out.seed = t.int('seed', 0, 0);
    return out;
  }
}

/** A config object as ConfigFields, or an error naming the field. */
export function configFields(raw: unknown, prefix: string, expected: string): ConfigFields {
  if (!isObj(raw)) throw new DatasetConfigError(`'${prefix}' must be ${expected}, got ${JSON.stringify(raw)}`);
  return new ConfigFields(raw, prefix);
}

/** A grouping spec reference: built-in names stay as they are, a relative spec file is relative to `baseDir`. */
export function resolveSpecRef(spec: string, baseDir: string): string {
  return (spec.endsWith('.json') || spec.includes('/')) && !path.isAbsolute(spec) ? path.join(baseDir, spec) : spec;
}
