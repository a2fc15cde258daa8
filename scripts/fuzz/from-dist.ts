import { fileURLToPath } from 'node:url';

/**
 * Loads a module of the service's build in dist/, typed as its source in src/:
 * `await fromDist<typeof import('../../src/app.setup.js')>('app.setup.js')`.
 *
 * Why dist/: the fuzz starts what `npm start` runs (dist/main.js) and uses the same embedded PostgreSQL and
 * migrations as that build.
 * Why a loader: dist/ has no declaration files, so a static import of it would be untyped.
 * This file and its build (dist-fuzz/fuzz/) both sit two folders below the project root, so the same
 * relative path reaches dist/ from either.
 */
export function fromDist<Module>(file: string): Promise<Module> {
  return import(new URL(`../../dist/${file}`, import.meta.url).href) as Promise<Module>;
}

/** The project's folder (two up, as above): home of .data/ and dist/ whatever the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
