/**
 * Atomic file writes for exported figures and reports: write a temporary file
 * in the same folder, then rename it over the target, so a reader never sees a
 * half-written PNG or HTML page (and an interrupted run leaves the old file).
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * Write `data` to `file` atomically, creating parent folders.
 * @param file destination path
 * @param data bytes or UTF-8 text
 */
export function writeFileAtomicSync(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw new Error(`writeFileAtomicSync: could not write ${file}: ${(e as Error).message}`, { cause: e });
  }
}
