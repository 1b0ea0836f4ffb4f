/**
 * `backsplit` command-line entry: dispatches to one subcommand per capability.
 * Unknown subcommands and bad flags print usage and exit with code 2.
 */
import { Command, UsageError } from './args';
import { evalCommand } from './commands/eval';
import { fisherCommand } from './commands/fisher';
import { importCommand } from './commands/import';
import { infoCommand } from './commands/info';
import { labelsCommand } from './commands/labels';
import { predictCommand } from './commands/predict';
import { reproduceCommand } from './commands/reproduce';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';

export const commands: Command[] = [infoCommand, importCommand, labelsCommand, trainCommand, predictCommand, evalCommand, fisherCommand, reproduceCommand, sweepCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: backsplit <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "run 'backsplit help <command>' for a command's options",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(overview() + '\n');
    return name ? 0 : 2;
  }
  if (name === 'help') {
    const cmd = commands.find((c) => c.name === rest[0]);
    process.stdout.write((cmd ? cmd.usage : overview()) + '\n');
    return cmd || rest.length === 0 ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`backsplit: unknown command '${name}'\n\n${overview()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`backsplit ${cmd.name}: ${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`backsplit ${cmd.name}: ${e && e.message ? e.message : String(err)}\n`);
    if (process.env.BACKSPLIT_DEBUG) process.stderr.write(`${e && e.stack}\n`);
    return 1;
  }
}
