/**
 * Run one CLI command in-process with its standard output captured (and standard error
 * silenced), for tests that parse what a command prints.
 */
import type { Command } from '../../lib/cli/args';

/** The command's exit code and everything it wrote to stdout. */
export async function runCaptured(command: Command, argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  (process.stdout as { write: unknown }).write = (s: string) => {
    chunks.push(String(s));
    return true;
  };
  (process.stderr as { write: unknown }).write = () => true;
  try {
    const code = await command.run(argv);
    return { code, out: chunks.join('') };
  } finally {
    (process.stdout as { write: unknown }).write = orig;
    (process.stderr as { write: unknown }).write = origErr;
  }
}
