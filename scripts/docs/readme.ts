// The README's parts that the code decides: the configuration table (written from src/config/variables.ts)
// and the folder tree (checked against the folders of src/ and test/).
//   npm run docs:config   rewrites the configuration table
//   npm run lint:docs     checks both (part of `npm run lint`); exits 1 naming each problem
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIABLES } from '../../src/config/variables.js';
import { configTable } from './config-table.js';
import { folderTreeProblems } from './folder-tree.js';
import { findSection } from './readme-section.js';

const ROOT = join(import.meta.dirname, '..', '..');
const README = join(ROOT, 'README.md');
const CONFIG_TABLE = 'configuration table: npm run docs:config writes it from src/config/variables.ts';
const FOLDER_TREE = 'folder tree: npm run lint checks it against the folders';

const readme = readFileSync(README, 'utf8');
const table = findSection(readme, CONFIG_TABLE);
const expected = configTable(VARIABLES);

if (process.argv.includes('--write')) {
  if (table.body !== expected) writeFileSync(README, table.replace(expected));
  console.log(
    table.body === expected
      ? 'README.md: configuration table already current'
      : 'README.md: configuration table rewritten',
  );
} else {
  const problems = [
    ...(table.body === expected
      ? []
      : ['the configuration table differs from src/config/variables.ts: run `npm run docs:config`']),
    ...folderTreeProblems(findSection(readme, FOLDER_TREE).body, ROOT),
  ];
  for (const problem of problems) console.error(`README.md: ${problem}`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
