/** Whether a process id names a running process on this machine. */

/** True when process `pid` runs on this machine (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Resolve after one turn of the event loop (setImmediate): lets pending I/O go out — a notebook's
 * progress line reaches the page only when the kernel's socket gets a turn, which a chain of
 * promises never gives it.
 */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
