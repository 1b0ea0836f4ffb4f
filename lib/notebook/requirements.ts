/**
 * What a notebook needs that the project does not ship — a licensed dataset beside the project,
 * say — declared in the notebook's metadata:
 *
 *   "backsplit": {"requires": [{"path": "../shared/data/emidec-lge", "env": "BACKSPLIT_EMIDEC",
 *                               "why": "EMIDEC (CC BY-NC-SA; see ../shared/data/README.md)"}]}
 *
 * `path` is relative to the project root (the kernel's working directory); when `env` names a
 * variable that is set, its value replaces `path`. The headless runner skips a notebook whose
 * requirement is missing, with the reason, instead of failing it.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One file or folder a notebook needs. */
export interface NotebookRequirement {
  /** Path relative to the project root (or absolute). */
  path: string;
  /** Environment variable whose value, when set, is used instead of `path`. */
  env?: string;
  /** What it is and where it comes from, for the skip message. */
  why?: string;
}

/**
 * The requirements a notebook's metadata declares (`metadata.backsplit.requires`); none when absent.
 * @param metadata the notebook's top-level metadata
 * @param file the notebook file, named in errors
 * @throws Error naming the file and the entry when `requires` is not a list of {path, env?, why?}
 */
export function notebookRequirements(metadata: Record<string, unknown>, file: string): NotebookRequirement[] {
  const own = metadata.backsplit as { requires?: unknown } | undefined;
  if (own === undefined || own === null || own.requires === undefined) return [];
  const bad = (what: string) => new Error(`${file}: metadata.backsplit.requires ${what}`);
  if (!Array.isArray(own.requires)) throw bad(`must be a list of {"path", "env"?, "why"?}, got ${JSON.stringify(own.requires)}`);
  return own.requires.map((r: unknown, i: number) => {
    const entry = r as Record<string, unknown>;
    if (!entry || typeof entry !== 'object' || typeof entry.path !== 'string' || entry.path === '') {
      throw bad(`[${i}] needs a non-empty "path" string, got ${JSON.stringify(r)}`);
    }
    for (const key of ['env', 'why']) {
      if (entry[key] !== undefined && typeof entry[key] !== 'string') throw bad(`[${i}].${key} must be a string, got ${JSON.stringify(entry[key])}`);
    }
    const unknown = Object.keys(entry).filter((k) => ['path', 'env', 'why'].indexOf(k) < 0);
    if (unknown.length) throw bad(`[${i}] has unknown field(s) ${unknown.join(', ')} (expected path, env, why)`);
    return { path: entry.path, env: entry.env as string | undefined, why: entry.why as string | undefined };
  });
}

/**
 * Why a notebook cannot run here: the first requirement that does not exist, in words; null when all exist.
 * @param requirements from {@link notebookRequirements}
 * @param root the project root that relative paths start from
 * @param env the environment the kernel will see
 * @example unmetRequirement([{ path: '../shared/data/emidec-lge', env: 'BACKSPLIT_EMIDEC' }], root, process.env)
 * // "needs ../shared/data/emidec-lge (/work/shared/data/emidec-lge not found; set BACKSPLIT_EMIDEC to its location)"
 */
export function unmetRequirement(requirements: readonly NotebookRequirement[], root: string, env: NodeJS.ProcessEnv): string | null {
  for (const r of requirements) {
    const fromEnv = r.env ? env[r.env] : undefined;
    const given = fromEnv ? fromEnv : r.path;
    const resolved = path.resolve(root, given);
    if (fs.existsSync(resolved)) continue;
    const what = r.why ? `${r.why}: ` : '';
    if (fromEnv) return `needs ${what}${r.env}=${fromEnv} (${resolved}) does not exist`;
    return `needs ${what}${r.path} (${resolved} not found${r.env ? `; set ${r.env} to its location` : ''})`;
  }
  return null;
}
