// Fails when src/'s top-level folders import each other in a cycle (a → b → … → a), or when a folder
// imports one it must never need. A folder is a layer: `tasks/` may use `task-store/`, never the other
// way round as well. Run by `npm run lint`.
// Counts every relative import and export-from, static or dynamic, type-only included: a cycle through
// types still couples the folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Edges that are wrong even without a cycle: the API and the task types load no worker code. */
const FORBIDDEN = [
  ['tasks', 'worker'],
  ['task-types', 'worker'],
  ['task-store', 'worker'],
];

const SRC = resolve(import.meta.dirname, '..', '..', 'src');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The top-level folder of a file under src/ ('' for files directly in src/). */
const folderOf = (file) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : '';
};

function* sourceFiles(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.ts$/.test(name) && !/\.spec\.ts$/.test(name)) yield path;
  }
}

/** folder → folder → one import that makes the edge, for the message. */
const edges = new Map();
for (const file of sourceFiles(SRC)) {
  const from = folderOf(file);
  if (from === '') continue; // main.ts, app.module.ts, index.ts: the top, allowed to use anything
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const to = folderOf(resolve(dirname(file), specifier));
    if (to === from || to === '') continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(SRC, file)} imports ${specifier}`);
  }
}

// Tarjan's strongly connected components: every component of more than one folder holds a cycle.
let index = 0;
const indices = new Map();
const lowlinks = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
const connect = (folder) => {
  indices.set(folder, index);
  lowlinks.set(folder, index++);
  stack.push(folder);
  onStack.add(folder);
  for (const next of edges.get(folder)?.keys() ?? []) {
    if (!indices.has(next)) {
      connect(next);
      lowlinks.set(folder, Math.min(lowlinks.get(folder), lowlinks.get(next)));
    } else if (onStack.has(next)) {
      lowlinks.set(folder, Math.min(lowlinks.get(folder), indices.get(next)));
    }
  }
  if (lowlinks.get(folder) === indices.get(folder)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) cycles.push(component.sort());
  }
};
for (const folder of edges.keys()) if (!indices.has(folder)) connect(folder);

const forbidden = FORBIDDEN.filter(([from, to]) => edges.get(from)?.has(to));
for (const [from, to] of forbidden) console.error(`src/${from} must not import src/${to}: ${edges.get(from).get(to)}`);

if (cycles.length > 0) {
  console.error('Import cycles between folders of src/:');
  for (const cycle of cycles) {
    console.error(`  ${cycle.join(' ⇄ ')}`);
    for (const from of cycle) {
      for (const [to, why] of edges.get(from) ?? [])
        if (cycle.includes(to)) console.error(`    ${from} → ${to}: ${why}`);
    }
  }
  process.exit(1);
}
if (forbidden.length > 0) process.exit(1);
console.log(`No import cycle between the ${edges.size} folders of src/.`);
