/**
 * Atomic file writes, the one helper for run files, checkpoints, NIfTI output,
 * figures, executed notebooks and cached scripts: the bytes go to a temporary file
 * in the target's folder, are fsynced, and the temporary file is renamed over the
 * target (rename is atomic within a filesystem), so a reader never sees a
 * half-written file and an interrupted write leaves the old one. The folder is
 * fsynced afterwards where the platform allows it. A temporary file left by a
 * writer that was killed (`.<name>.<pid>.<random>.tmp`, its pid no longer
 * running on this machine) is removed by the next write of the same target.
 *
 * A folder written as a unit (the study report, an EMIDEC import) goes through writeFolderAtomic(Sync):
 * it is filled under `<dir>.partial` and renamed into place once complete.
 */
import * as fs from 'fs';
import * as path from 'path';
import { processAlive } from './process';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Create missing parent folders first (default true). */
  mkdir?: boolean;
}

/**
 * Write `data` to `file` atomically.
 * @param data bytes or UTF-8 text
 * @throws Error "could not write <file>: <reason>" (the system error as `cause`); the
 *   temporary file is removed
 * @example writeFileAtomic('runs/a/config.json', JSON.stringify(cfg)) // creates runs/a if needed
 */
export function writeFileAtomic(file: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    if (options.mkdir ?? true) fs.mkdirSync(dir, { recursive: true });
    fd = fs.openSync(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
    removeStaleTemps(dir, path.basename(file));
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is reported
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw new Error(`could not write ${file}: ${(err as Error).message}`, { cause: err });
  }
  syncFolder(dir);
}

/** fsync a folder so a rename in it is durable; not supported everywhere, and then skipped. */
function syncFolder(dir: string): void {
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // directory fsync is not supported on every platform; the rename is still atomic
  }
}

/** Remove the temporary files of `base` left in `dir` by writers that no longer run. */
function removeStaleTemps(dir: string, base: string): void {
  const prefix = `.${base}.`;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[a-z0-9]+\.tmp$/.exec(name.slice(prefix.length));
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** The `write` callback of the folder writers: `name` relative to the folder (sub-folders are created). */
export type FolderWrite = (name: string, data: string | Uint8Array) => void;

/** Start `<dir>.partial` (removing a stale one) and a writer into it that records the names written. */
function beginFolder(dir: string): { tmp: string; write: FolderWrite; written: string[] } {
  const tmp = `${dir}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const written: string[] = [];
  const write: FolderWrite = (name, data) => {
    const target = path.resolve(tmp, name);
    if (path.isAbsolute(name) || !target.startsWith(path.resolve(tmp) + path.sep)) throw new Error(`writeFolderAtomic: '${name}' is not a name inside the folder`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
    written.push(name);
  };
  return { tmp, write, written };
}

/** Move the complete `<dir>.partial` into place (see writeFolderAtomic). */
function commitFolder(dir: string, tmp: string): void {
  const previous = `${dir}.previous`;
  if (fs.existsSync(dir)) {
    fs.rmSync(previous, { recursive: true, force: true });
    fs.renameSync(dir, previous);
  }
  fs.renameSync(tmp, dir);
  fs.rmSync(previous, { recursive: true, force: true });
  syncFolder(path.dirname(path.resolve(dir)));
}

/**
 * Write a folder as a unit: `fill` writes its files (through the given `write`; names may
 * hold sub-folders, e.g. `labelsTr/a.nii.gz`) into `<dir>.partial` (a stale one from a killed
 * writer is removed first); once `fill` has finished, the previous `dir` is moved to
 * `<dir>.previous`, the new folder renamed into place and the previous one removed. When `fill`
 * throws, `<dir>.partial` is removed, `dir` is left as it was and the error is rethrown.
 * Interrupted at any moment, `dir` is the previous complete folder, the new complete folder, or
 * — killed between the two renames — absent with the previous complete one in
 * `<dir>.previous`; never a half-written folder under its final name.
 * @returns the names written, in order
 */
export async function writeFolderAtomic(dir: string, fill: (write: FolderWrite) => Promise<void>): Promise<string[]> {
  const { tmp, write, written } = beginFolder(dir);
  try {
    await fill(write);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  commitFolder(dir, tmp);
  return written;
}

/** {@link writeFolderAtomic} with a synchronous `fill` (for loaders that cannot await). */
export function writeFolderAtomicSync(dir: string, fill: (write: FolderWrite) => void): string[] {
  const { tmp, write, written } = beginFolder(dir);
  try {
    fill(write);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  commitFolder(dir, tmp);
  return written;
}
