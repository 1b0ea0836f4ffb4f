/**
 * Child process for the writer-interruption test: writes argv[3] through the
 * project's writers, slowly, printing "writing" once the write is under way so
 * that the parent can SIGKILL it mid-write.
 *   file   <target>: writeFileAtomic of 8 MiB of 'B' (fs.writeSync slowed to 64 KiB every 2 ms)
 *   folder <target>: writeFolderAtomic of 40 files of 'B', 20 ms apart (the study report's writer)
 */
import { writeFileAtomic, writeFolderAtomic } from '../../../lib/core/atomic';

const shared = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(shared, 0, 0, ms);

function slowFile(target: string): void {
  // the real module object (lib/core/atomic reads its functions through it at call time)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs') as typeof import('fs');
  const realWrite = fs.writeSync;
  let announced = false;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buf: Uint8Array, off: number, len: number) => {
    const n = realWrite(fd, buf, off, Math.min(len, 64 * 1024));
    if (!announced) process.stdout.write('writing\n');
    announced = true;
    sleep(2);
    return n;
  };
  writeFileAtomic(target, Buffer.alloc(8 * 1024 * 1024, 'B'));
}

async function slowFolder(target: string): Promise<void> {
  await writeFolderAtomic(target, async (write) => {
    for (let i = 0; i < 40; i++) {
      write(`part-${i}.txt`, 'B'.repeat(1000));
      if (i === 0) process.stdout.write('writing\n');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
}

const [mode, target] = process.argv.slice(2);
(mode === 'file' ? Promise.resolve(slowFile(target)) : slowFolder(target)).then(
  () => process.stdout.write('done\n'),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
