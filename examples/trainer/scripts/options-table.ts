// Prints the option table of `agcl train` (Markdown), generated from TRAIN_OPTIONS; with --write,
// replaces the table between the options markers in the trainer's README.md.
//   pnpm --filter @agcl/trainer options-table [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { optionsMarkdownTable } from '../src/options';

const table = optionsMarkdownTable();
if (!process.argv.includes('--write')) {
  process.stdout.write(`${table}\n`);
} else {
  const file = new URL('../README.md', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const pattern = /(<!-- options:start[^>]*-->)[\s\S]*?(<!-- options:end -->)/;
  if (!pattern.test(text)) throw new Error('README.md: no <!-- options:start --> ... <!-- options:end --> markers');
  writeFileSync(file, text.replace(pattern, (_m, a: string, b: string) => `${a}\n${table}\n${b}`));
}
