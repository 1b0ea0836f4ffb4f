/**
 * Atomic file writes, the one helper for run files, checkpoints, NIfTI output,
 * figures, executed notebooks and cached scripts: the bytes go to a temporary file
 * in the target's folder, are fsynced, and the temporary file is renamed over the
 * target (rename is atomic within a filesystem), so a reader never sees a
 * half-written file and an interrupted write leaves the old one. The folder is
 * fsynced afterwards where the platform allows it.
 */
import * as fs from 'fs';
import * as path from 'path';

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
