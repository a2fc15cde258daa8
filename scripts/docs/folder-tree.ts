import { readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One line of the README's folder tree: `  worker/   what it holds`. */
interface Entry {
  /** From the project root, with a trailing `/` for a folder: `src/worker/`, `test/*.e2e-spec.ts`. */
  path: string;
  isFolder: boolean;
  /** Whether lines below it list what it holds; then its subfolders must all be listed. */
  listsChildren: boolean;
}

const INDENT = 2;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The tree's entries, from a fenced block whose lines are `<indent><name>[ <comment>]`. */
function parseTree(tree: string): { entries: Entry[]; problems: string[] } {
  const entries: Entry[] = [];
  const problems: string[] = [];
  const parents: Entry[] = [];
  tree.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('```')) return;
    const [, indent, name] = /^( *)(\S+)/.exec(line) ?? [];
    const depth = indent.length / INDENT;
    if (!Number.isInteger(depth) || depth > parents.length) {
      problems.push(`line ${index + 1} of the tree ("${line.trim()}"): indent by ${INDENT} spaces per level`);
      return;
    }
    parents.length = depth;
    const parent = parents.at(-1);
    if (parent) parent.listsChildren = true;
    const entry = { path: (parent?.path ?? '') + name, isFolder: name.endsWith('/'), listsChildren: false };
    entries.push(entry);
    if (entry.isFolder) parents.push(entry);
  });
  return { entries, problems };
}

/** Folders the tree is about: hidden ones (`.git`) are not part of the layout. */
function subfolders(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true })
    .filter((dirent) => dirent.isDirectory() && !dirent.name.startsWith('.'))
    .map((dirent) => `${folder}${dirent.name}/`);
}

/** Whether a listed path exists; a `*` in its last part stands for any characters (`*.e2e-spec.ts`). */
function exists(root: string, path: string): boolean {
  const name = posix.basename(path);
  const folder = path.slice(0, path.length - name.length - (path.endsWith('/') ? 1 : 0));
  if (!name.includes('*')) {
    try {
      return statSync(join(root, path)).isDirectory() === path.endsWith('/');
    } catch {
      return false;
    }
  }
  const pattern = new RegExp(`^${name.split('*').map(escapeRegExp).join('.*')}$`);
  try {
    return readdirSync(join(root, folder)).some((file) => pattern.test(file));
  } catch {
    return false;
  }
}

/**
 * What is wrong with the README's folder tree, checked against the folders under `root`: every entry must
 * exist, and a folder whose contents the tree lists (src/, test/) must list all its subfolders. Files need
 * not all be listed, only the ones a reader should know. Each problem says how to fix it.
 */
export function folderTreeProblems(tree: string, root: string): string[] {
  const { entries, problems } = parseTree(tree);
  const listed = new Set(entries.map((entry) => entry.path));
  for (const entry of entries) {
    if (!exists(root, entry.path)) {
      problems.push(`the folder tree lists ${entry.path}, which does not exist: remove or rename its line`);
      continue;
    }
    if (!entry.isFolder || !entry.listsChildren) continue;
    for (const folder of subfolders(root, entry.path)) {
      if (listed.has(folder)) continue;
      const line = `${' '.repeat(INDENT * (entry.path.split('/').length - 1))}${posix.basename(folder)}/`;
      problems.push(`${folder} is missing from the folder tree: add "${line}  <what it holds>" under ${entry.path}`);
    }
  }
  return problems;
}
