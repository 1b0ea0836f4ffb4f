/**
 * The exclusive lock of a run folder: one training process writes a run folder
 * at a time. The lock is `<runDir>/train.lock`, a JSON record of its owner
 * (pid, host, start time, command). It is created exclusively — the record is
 * written to a temporary file, then hard-linked to the lock name, which fails
 * when the name exists (the O_EXCL guarantee, without a moment in which the lock
 * exists but is empty) — and removed when training ends, throws, or the process
 * exits or gets SIGINT/SIGTERM.
 *
 * A lock left by a dead process (same host, pid no longer alive) is taken over
 * with a warning; a lock held by a live process, or by another host (whose
 * processes we cannot see), is an error naming the folder, the owner and how to
 * remove the lock.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive } from '../core/process';
import { runPaths } from './layout';

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** Thrown when a run folder is locked by another live process (or another host). */
export class RunLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLockedError';
  }
}

/** The lock file of a run folder. */
export function lockFile(runDir: string): string {
  return runPaths(runDir).lock;
}

/** Locks this process holds, released on exit and on SIGINT/SIGTERM. */
const held = new Map<string, string>();

function releaseAll(): void {
  for (const file of held.keys()) removeIfOurs(file);
  held.clear();
}

/** On SIGINT/SIGTERM, release the locks; when no one else handles the signal, die of it as Node would. */
function onSignal(signal: NodeJS.Signals): void {
  const others = process.listeners(signal).filter((l) => l !== onSignal);
  if (others.length > 0) return; // someone else decides what the signal means (e.g. a notebook kernel)
  releaseAll();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', releaseAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstall(): void {
  process.off('exit', releaseAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function removeIfOurs(file: string): void {
  const owner = readOwner(file);
  if (owner && owner.pid === process.pid && owner.host === os.hostname() && owner.startedAt === held.get(file)) fs.rmSync(file, { force: true });
}

function readOwner(file: string): LockOwner | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function describeOwner(o: LockOwner): string {
  return `pid ${o.pid} on ${o.host}, since ${o.startedAt}${o.command ? ` (${o.command})` : ''}`;
}

/** Create the lock file exclusively; false when it exists. */
function tryCreate(file: string, owner: LockOwner): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(owner, null, 2) + '\n');
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`could not create the lock ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Move a stale lock out of the way, unless someone replaced it in the meantime.
 * @returns false when the lock changed owner (or vanished) since `stale` was read (it is left in place)
 */
function takeOver(file: string, stale: LockOwner): boolean {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return false; // another process took it over first
  }
  const moved = readOwner(aside);
  if (moved && (moved.pid !== stale.pid || moved.startedAt !== stale.startedAt)) {
    // a live owner's fresh lock: put it back (if a third process got in, it holds the folder now)
    try {
      fs.linkSync(aside, file);
    } catch {
      // the folder is locked by someone else either way
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

/** The error (or, for a dead owner on this host, null: take it over) for an existing lock. */
function conflict(runDir: string, file: string, owner: LockOwner | null): RunLockedError | null {
  const remove = `if no training is running on it, remove ${file}`;
  if (!owner) return new RunLockedError(`${runDir} is locked (${file} exists but does not say by whom); ${remove}`);
  if (owner.host !== os.hostname()) {
    return new RunLockedError(`${runDir} is locked by ${describeOwner(owner)} — another host, whose processes cannot be checked from here; ${remove}`);
  }
  if (owner.pid === process.pid || processAlive(owner.pid)) {
    return new RunLockedError(`${runDir} is being trained by ${describeOwner(owner)}; wait for it to finish or stop it (only one process may write a run folder)`);
  }
  return null;
}

/**
 * Lock `runDir` (created when missing) for this process.
 * @param warn receives the warning when a dead process's lock is taken over
 * @returns a function that releases the lock (idempotent)
 * @throws RunLockedError naming the folder and the owner when another live process (or another host) holds it
 */
export function acquireRunLock(runDir: string, warn: (message: string) => void): () => void {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.resolve(lockFile(runDir));
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(file, owner)) break;
    const existing = readOwner(file);
    const err = conflict(runDir, file, existing);
    if (err || attempt >= 5) throw err ?? new RunLockedError(`${runDir}: could not take over the lock ${file} (other processes competing for it)`);
    if (takeOver(file, existing!)) warn(`${runDir}: taking over the lock of ${describeOwner(existing!)}, which is no longer running`);
  }
  if (held.size === 0) install();
  held.set(file, owner.startedAt);
  return () => {
    if (!held.has(file)) return;
    removeIfOurs(file);
    held.delete(file);
    if (held.size === 0) uninstall();
  };
}
