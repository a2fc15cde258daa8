import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The URL a worker thread can load for a module named beside its TypeScript source, as in
 * `new URL('./cpu.thread.js', import.meta.url)`.
 *
 * Run from dist/ (`npm start`), that URL names the compiled file, which exists: it is used as it is.
 * Under Jest, @swc/jest runs the sources in src/ and `import.meta.url` points at `src/…/*.ts`, so the URL
 * names a `.js` file beside it that does not exist; and a worker thread loads modules with Node's own
 * loader, which cannot run TypeScript. There the compiled twin is used: the same path with its last
 * `/src/` turned into `/dist/` (tsconfig.build.json compiles src/ to dist/ keeping the layout), which the
 * tests' global setup has just built. Rather than guess further, anything else fails at start-up with the
 * path it looked for. Plain JavaScript modules (a test's `.mjs`) exist where they are and are used as such.
 */
export function threadModuleUrl(url: URL): URL {
  if (url.protocol !== 'file:') return url;
  const path = fileURLToPath(url);
  if (existsSync(path)) return url;
  const srcAt = path.lastIndexOf(`${sep}src${sep}`);
  if (path.endsWith('.js') && existsSync(path.replace(/\.js$/, '.ts')) && srcAt >= 0) {
    const compiled = `${path.slice(0, srcAt)}${sep}dist${sep}${path.slice(srcAt + 5)}`;
    if (existsSync(compiled)) return pathToFileURL(compiled);
    throw new Error(`${path} exists only as TypeScript, and its build ${compiled} is missing: run npm run build`);
  }
  throw new Error(`the worker thread module ${path} does not exist`);
}
