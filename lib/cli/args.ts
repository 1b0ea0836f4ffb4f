/**
 * A small strict argument parser for the `backsplit` CLI.
 *
 * Every subcommand declares its flags; anything undeclared, a missing value or a
 * missing required flag is a UsageError, which the dispatcher turns into the
 * usage text and exit code 2.
 */

import type { NonFinitePolicy } from '../io/nonfinite';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** 'boolean' flags take no value; 'string' and 'number' take one. */
  type: 'boolean' | 'string' | 'number';
  required?: boolean;
  description?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedArgs {
  flags: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

/**
 * Parse `argv` (without the subcommand) against `specs`.
 * Accepts `--name value`, `--name=value` and boolean `--name`.
 */
export function parseArgs(argv: string[], specs: FlagSpecs, maxPositionals = Infinity): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = specs[name];
      if (!spec) throw new UsageError(`unknown flag --${name}`);
      if (spec.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`flag --${name} takes no value`);
        flags[name] = true;
        continue;
      }
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        i++;
      }
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`flag --${name} needs a value`);
      if (spec.type === 'number') {
        const num = Number(value);
        if (!Number.isFinite(num)) throw new UsageError(`flag --${name} needs a number, got '${value}'`);
        flags[name] = num;
      } else {
        flags[name] = value;
      }
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      throw new UsageError(`unknown flag ${arg}`);
    } else {
      positionals.push(arg);
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && flags[name] === undefined) throw new UsageError(`missing required flag --${name}`);
  }
  if (positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${positionals[maxPositionals]}'`);
  }
  return { flags, positionals };
}

/**
 * Flags of a stand-alone script (the notebook runner, the strip step): `--help` prints the usage;
 * a usage error prints the message and the usage to stderr. Returns the parsed flags, or the exit
 * code to return (0 after --help, 2 after a usage error).
 * @example const args = parseScriptArgs(argv, { check: { type: 'boolean' } }, USAGE); if (typeof args === 'number') return args;
 */
export function parseScriptArgs(argv: string[], specs: FlagSpecs, usage: string): ParsedArgs | number {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, { ...specs, help: { type: 'boolean' } });
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${usage}\n`);
      return 2;
    }
    throw e;
  }
  if (args.flags.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return args;
}

/** One `backsplit <name>` subcommand. */
export interface Command {
  name: string;
  summary: string;
  /** Usage lines shown on error and by `backsplit help <name>`. */
  usage: string;
  /** Returns the process exit code. Throw UsageError for bad arguments. */
  run(argv: string[]): Promise<number>;
}

/** The `--backend` flag shared by every command that runs a network. */
export const BACKEND_FLAG: FlagSpec = {
  type: 'string',
  description: 'tfjs backend: auto|webgpu|tfjs-node-gpu|tfjs-node|wasm|cpu (default TFJS_BACKEND or auto)',
};

/** One usage line per flag, descriptions aligned after the longest flag name. */
export function flagHelp(specs: FlagSpecs): string[] {
  const width = Math.max(...Object.keys(specs).map((k) => k.length));
  return Object.entries(specs).map(([k, s]) => `  --${k.padEnd(width)}  ${s.description ?? ''}`);
}

/** `--nonfinite zero|mask` of the commands that read images and masks (see lib/io/nonfinite.ts). */
export const NONFINITE_FLAG: FlagSpec = {
  type: 'string',
  description: "NaN/Inf voxels: 'error' (default: refuse the file), 'zero' (read as 0) or 'mask' (left out, see the command)",
};

/** The --nonfinite value, validated. */
export function nonFiniteFlag(value: unknown): NonFinitePolicy {
  if (value === undefined) return 'error';
  if (value === 'error' || value === 'zero' || value === 'mask') return value;
  throw new UsageError(`--nonfinite must be error, zero or mask, got '${String(value)}'`);
}

/** `--volume N`: the volume (0-based) to take from 4D mask files. */
export const VOLUME_FLAG: FlagSpec = {
  type: 'number',
  description: 'the volume (0-based) to take from a 4D mask/label file (a 4D file is refused without it; 3D files are read as they are)',
};

/** The --volume value, validated (a non-negative integer; the upper bound is checked against each file). */
/**
 * A flag that must be a positive integer (a number flag parsed by parseArgs), or undefined when absent.
 * @throws UsageError "--<flag> needs a positive integer, got <value>"
 */
export function positiveIntFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1)) throw new UsageError(`--${flag} needs a positive integer, got ${String(value)}`);
  return value;
}

export function volumeFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0)) throw new UsageError(`--volume must be an integer >= 0, got ${String(value)}`);
  return value;
}
