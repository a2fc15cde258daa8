// Compiles scripts/bench/**/*.ts to dist-bench/bench/**/*.js with the compiler options of
// scripts/bench/tsconfig.json, one file at a time (ts.transpileModule: no type check; that is
// `tsc -p scripts/bench/tsconfig.json`). Not `tsc -p`: the bench takes its types from src/, so a tsc
// program would emit a copy of src/ too. The output keeps the folder layout and sits two folders below
// the project root like the sources, so from-dist.ts reaches the service's build in dist/ from both.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const here = import.meta.dirname;
const outDir = resolve(here, '..', '..', 'dist-bench', 'bench');

const parsed = ts.getParsedCommandLineOfConfigFile(
  join(here, 'tsconfig.json'),
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

rmSync(outDir, { recursive: true, force: true });
for (const file of parsed.fileNames) {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
  const target = join(outDir, relative(here, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}
