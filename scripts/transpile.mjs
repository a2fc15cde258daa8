// Compiles the TypeScript of one scripts/<name>/ folder (chaos, bench) to dist-<name>/<name>/, keeping
// its layout, with the compiler options of its tsconfig.json, one file at a time (ts.transpileModule: no
// type check; that is `tsc -p scripts/<name>/tsconfig.json`). Not `tsc -p`: these scripts take their types
// from src/, so a tsc program would emit a copy of src/ too. The output sits two folders below the project
// root like the sources, so each folder's from-dist.ts reaches the service's build in dist/ from both.
// Usage: node scripts/transpile.mjs <name>
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) throw new Error('usage: node scripts/transpile.mjs <folder under scripts/>');
const sourceDir = resolve(import.meta.dirname, name);
const outDir = resolve(import.meta.dirname, '..', `dist-${name}`, name);

const parsed = ts.getParsedCommandLineOfConfigFile(
  join(sourceDir, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
// Plain ES modules (the project is "type": "module"); top-level await needs es2022 modules.
const compilerOptions = { ...parsed.options, module: ts.ModuleKind.ES2022, noEmit: false, sourceMap: false };

// The whole dist-<name>/: a tsconfig may include ../shared/, compiled to dist-<name>/shared/ beside it.
rmSync(dirname(outDir), { recursive: true, force: true });
for (const file of parsed.fileNames) {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
  const target = join(outDir, relative(sourceDir, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}
