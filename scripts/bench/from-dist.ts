/**
 * Loads a module of the service's build in dist/, typed as its source in src/:
 * `await fromDist<typeof import('../../src/app.setup.js')>('app.setup.js')`.
 *
 * Why dist/: the bench must run what `npm start` runs, and the handler registry there finds task types by
 * dist's own @TaskHandler marker, so a handler marked with a copy compiled from src/ would go unseen.
 * Why a loader: dist/ has no declaration files, so a static import of it would be untyped.
 * This file and its build (dist-bench/bench/) both sit two folders below the project root, so the same
 * relative path reaches dist/ from either; files in subfolders go through this one.
 *
 * `dist` names another build (the baseline of `--baseline`, another checkout's dist/): its modules are then
 * typed as this checkout's src/, which holds as long as the two share the entry points the bench uses.
 */
export const PROJECT_DIST = new URL('../../dist/', import.meta.url);

export function fromDist<Module>(file: string, dist: URL = PROJECT_DIST): Promise<Module> {
  return import(new URL(file, dist).href) as Promise<Module>;
}
