import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadModuleUrl } from './thread-module-url.js';

describe('threadModuleUrl', () => {
  let root: string;
  const file = (path: string): string => {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, '');
    return full;
  };

  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'thread-module-url-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps a module that exists: the compiled file under dist/, or a plain .mjs', () => {
    const compiled = pathToFileURL(file('dist/handlers/cpu.thread.js'));
    expect(threadModuleUrl(compiled)).toEqual(compiled);
    const plain = pathToFileURL(file('test/support/probe.thread.mjs'));
    expect(threadModuleUrl(plain)).toEqual(plain);
  });

  it('takes the compiled twin under dist/ for a .js named beside its TypeScript source in src/', () => {
    file('src/handlers/cpu.thread.ts');
    const compiled = file('dist/handlers/cpu.thread.js');
    expect(threadModuleUrl(pathToFileURL(join(root, 'src/handlers/cpu.thread.js')))).toEqual(pathToFileURL(compiled));
  });

  it('names the missing build when only the TypeScript source exists', () => {
    file('src/handlers/cpu.thread.ts');
    expect(() => threadModuleUrl(pathToFileURL(join(root, 'src/handlers/cpu.thread.js')))).toThrow(
      /exists only as TypeScript, and its build .*dist\/handlers\/cpu\.thread\.js is missing: run npm run build/,
    );
  });

  it('names a module found nowhere', () => {
    expect(() => threadModuleUrl(pathToFileURL(join(root, 'src/handlers/nothing.js')))).toThrow(
      /the worker thread module .*nothing\.js does not exist/,
    );
  });
});
