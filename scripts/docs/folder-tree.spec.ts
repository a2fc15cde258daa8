import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderTreeProblems } from './folder-tree.js';

describe('folderTreeProblems', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'folder-tree-'));
    for (const folder of ['src/config', 'src/worker/isolated', 'test/support', 'src/.cache']) {
      mkdirSync(join(root, folder), { recursive: true });
    }
    writeFileSync(join(root, 'src/main.ts'), '');
    writeFileSync(join(root, 'test/tasks.e2e-spec.ts'), '');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const tree = (...lines: string[]): string => ['```', ...lines, '```'].join('\n');

  it('accepts a tree that lists every folder of what it lists, files by pattern, deeper folders optional', () => {
    const problems = folderTreeProblems(
      tree(
        'src/',
        '  main.ts          start-up',
        '  config/          the environment',
        '  worker/          runs tasks',
        'test/',
        '  support/         factories',
        '  *.e2e-spec.ts    through HTTP',
      ),
      root,
    );
    expect(problems).toEqual([]);
  });

  it('names a folder missing from the tree, with the line to add and where', () => {
    mkdirSync(join(root, 'src/task-types'));
    expect(
      folderTreeProblems(tree('src/', '  main.ts', '  config/', '  worker/', 'test/', '  support/'), root),
    ).toEqual(['src/task-types/ is missing from the folder tree: add "  task-types/  <what it holds>" under src/']);
  });

  it('names what the tree lists that is not there', () => {
    expect(
      folderTreeProblems(
        tree(
          'src/',
          '  main.ts',
          '  app.module.ts',
          '  config/',
          '  queue/',
          '  worker/',
          'test/',
          '  support/',
          '  *.spec.ts',
        ),
        root,
      ),
    ).toEqual([
      'the folder tree lists src/app.module.ts, which does not exist: remove or rename its line',
      'the folder tree lists src/queue/, which does not exist: remove or rename its line',
      'the folder tree lists test/*.spec.ts, which does not exist: remove or rename its line',
    ]);
  });

  it('holds a folder whose contents are listed to all its subfolders, at any depth', () => {
    expect(folderTreeProblems(tree('src/', '  main.ts', '  config/', '  worker/', '    attempt.ts'), root)).toEqual([
      'src/worker/isolated/ is missing from the folder tree: add "    isolated/  <what it holds>" under src/worker/',
      'the folder tree lists src/worker/attempt.ts, which does not exist: remove or rename its line',
    ]);
  });

  it('says so when a line is not indented by two spaces per level', () => {
    expect(folderTreeProblems(tree('src/', '   main.ts'), root)[0]).toMatch(/line 3 of the tree \("main.ts"\): indent/);
  });
});
