/**
 * `npm run notebooks:strip [-- <files>] [--check]`: rewrite notebooks as they are committed
 * (lib/notebook/clean.ts: no outputs, no execution counts, the kernel's metadata, Jupyter's
 * format). With no files: notebooks/*.ipynb and notebooks/solutions/*.ipynb. `--check` changes
 * nothing and exits 1 naming each notebook that is not clean. `--stdin` reads one notebook on
 * stdin and writes the clean text to stdout: the git clean filter of .gitattributes
 * (`git config filter.nbstrip.clean "npx ts-node --transpile-only lib/notebook/strip.ts --stdin"`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseScriptArgs } from '../cli/args';
import { cleanNotebook, idPrefixOf, notebookProblems, notebookText } from './clean';
import { readNotebook, type Notebook } from './runner';

const USAGE = `usage: npm run notebooks:strip -- [notebook.ipynb ...] [--check] [--stdin]
  Removes outputs and execution counts and sets the kernel's metadata, in place.
  --check  change nothing; exit 1 and name each notebook that is not clean
  --stdin  read one notebook on stdin, write the clean text to stdout (git clean filter)`;

/** The committed notebooks: notebooks/*.ipynb, then notebooks/solutions/*.ipynb, each in name order. */
export function committedNotebooks(root: string): string[] {
  const out: string[] = [];
  for (const dir of [path.join(root, 'notebooks'), path.join(root, 'notebooks', 'solutions')]) {
    if (!fs.existsSync(dir)) continue;
    out.push(...fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(dir, f)));
  }
  return out;
}

export async function stripMain(argv: string[]): Promise<number> {
  const args = parseScriptArgs(argv, { check: { type: 'boolean' }, stdin: { type: 'boolean' } }, USAGE);
  if (typeof args === 'number') return args;
  if (args.flags.stdin) {
    const text = fs.readFileSync(0, 'utf8');
    // the file name is unknown to a clean filter; ids are only filled in where missing
    process.stdout.write(notebookText(cleanNotebook(JSON.parse(text) as Notebook, 'cell')));
    return 0;
  }
  const root = path.resolve(__dirname, '..', '..');
  const files = args.positionals.length ? args.positionals.map((f) => path.resolve(f)) : committedNotebooks(root);
  let dirty = 0;
  for (const file of files) {
    const name = path.relative(process.cwd(), file);
    const text = fs.readFileSync(file, 'utf8');
    if (args.flags.check) {
      const problems = notebookProblems(name, text);
      if (problems.length) {
        dirty++;
        process.stdout.write(problems.join('\n') + '\n');
      }
      continue;
    }
    const clean = notebookText(cleanNotebook(readNotebook(file), idPrefixOf(file)));
    if (clean !== text) {
      fs.writeFileSync(file, clean);
      dirty++;
      process.stdout.write(`stripped ${name}\n`);
    }
  }
  if (args.flags.check) {
    process.stdout.write(dirty ? `${dirty} of ${files.length} notebook(s) not clean: npm run notebooks:strip\n` : `${files.length} notebook(s) clean\n`);
    return dirty ? 1 : 0;
  }
  process.stdout.write(`${files.length} notebook(s), ${dirty} rewritten\n`);
  return 0;
}

if (require.main === module) {
  stripMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
}
