// `npm run docs:screenshot`: refreshes docs/dashboard.png, the picture of the dashboard that the README and
// docs/dashboard.md show. The dashboard test takes that picture on every run, but into the ignored .artifacts/
// folder, so that running the tests never changes a tracked file; this runs only that test and copies its
// picture over the docs' one. Takes DATABASE_URL like `npm test`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const taken = resolve(root, '.artifacts', 'dashboard.png');
const docs = resolve(root, 'docs', 'dashboard.png');

// Removed first: if the test were renamed and nothing ran, a stale picture must not be copied.
rmSync(taken, { force: true });
const test = spawnSync(
  'npm',
  ['test', '--', 'test/dashboard.e2e-spec.ts', '--testNamePattern', 'takes the picture of the dashboard'],
  { cwd: root, stdio: 'inherit' },
);
if (test.status !== 0) process.exit(test.status ?? 1);
if (!existsSync(taken)) {
  console.error(`no picture at ${taken}: did the dashboard test that takes it run?`);
  process.exit(1);
}
copyFileSync(taken, docs);
console.log(`refreshed ${docs}`);
