// Compiles scripts/chaos/*.ts to dist-chaos/chaos/*.js with the compiler options of scripts/chaos/tsconfig.json,
// one file at a time (ts.transpileModule: no type check, which is `tsc -p scripts/chaos/tsconfig.json`).
// Not `tsc -p`: the chaos code takes its types from src/, so a tsc program would emit a copy of src/ too.
// The output sits two folders below the project root, like the sources, so `../../dist/` reaches the
// service's build from both (from-dist.ts).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import ts from 'typescript';

const here = import.meta.dirname;
const outDir = resolve(here, '..', '..', 'dist-chaos', 'chaos');

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
mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(here).filter((name) => name.endsWith('.ts'))) {
  const source = readFileSync(join(here, file), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: file });
  writeFileSync(join(outDir, basename(file, '.ts') + '.js'), outputText);
}
