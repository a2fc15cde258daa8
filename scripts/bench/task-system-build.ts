import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Type } from '@nestjs/common';
import { benchHandlersModule } from './bench-handlers.js';
import { fromDist, PROJECT_DIST } from './from-dist.js';

/**
 * One build of TaskSystem the bench runs: this checkout's dist/, or a baseline's (`--baseline`), loaded
 * through the same entry points an application embedding TaskSystem uses. Each build keeps its own
 * classes (its registry, its repository, its migrations), so two builds can run in one bench process, one
 * after the other, each on databases it migrated itself.
 */
export interface TaskSystemBuild {
  /** Its dist/ folder, as a file URL ending in '/'; replica processes get it in BENCH_DIST. */
  dist: URL;
  /** package.json's version and, in a git work tree, its commit: "1.4.0 @ 0b6e3e0". */
  version: string;
  createApp: typeof import('../../src/app.setup.js').createApp;
  loadConfig: typeof import('../../src/config/app-config.js').loadConfig;
  migrateDatabase: typeof import('../../src/database/migrate.js').migrateDatabase;
  TaskRepository: typeof import('../../src/task-store/task.repository.js').TaskRepository;
  /** The bench's task types (noop, sleep20, hold), marked with this build's @TaskHandler. */
  handlers: Type;
}

function describeCheckout(dist: URL): string {
  const root = new URL('../', dist);
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', fileURLToPath(root), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    // Uncommitted changes to src/ are in the build too: say so, or two builds would look the same.
    const edited = git('status', '--porcelain', '--', 'src') ? ' + uncommitted src/ changes' : '';
    return `${version} @ ${git('rev-parse', '--short', 'HEAD')}${edited}`;
  } catch {
    return version;
  }
}

const loaded = new Map<string, Promise<TaskSystemBuild>>();

/** Loads (once per process) the build in `dist`; by default this checkout's. */
export function loadTaskSystemBuild(dist: URL = PROJECT_DIST): Promise<TaskSystemBuild> {
  const key = dist.href;
  let build = loaded.get(key);
  if (!build) {
    build = (async () => {
      const [{ createApp }, { loadConfig }, { migrateDatabase }, { TaskRepository }, { TaskHandler }] =
        await Promise.all([
          fromDist<typeof import('../../src/app.setup.js')>('app.setup.js', dist),
          fromDist<typeof import('../../src/config/app-config.js')>('config/app-config.js', dist),
          fromDist<typeof import('../../src/database/migrate.js')>('database/migrate.js', dist),
          fromDist<typeof import('../../src/task-store/task.repository.js')>('task-store/task.repository.js', dist),
          fromDist<typeof import('../../src/task-types/task-handler.js')>('task-types/task-handler.js', dist),
        ]);
      return {
        dist,
        version: describeCheckout(dist),
        createApp,
        loadConfig,
        migrateDatabase,
        TaskRepository,
        handlers: benchHandlersModule(TaskHandler),
      };
    })();
    loaded.set(key, build);
  }
  return build;
}

/**
 * The dist/ of `--baseline PATH` (or BENCH_BASELINE_DIST): a checkout (its dist/ is used) or a dist/ folder,
 * built with `npm ci && npm run build` in that checkout, so that its imports resolve to its own node_modules.
 */
export function baselineDist(path: string): URL {
  const candidates = [resolve(path, 'dist'), resolve(path)];
  const dist = candidates.find((folder) => existsSync(`${folder}/app.setup.js`));
  if (!dist)
    throw new Error(`--baseline ${path}: no app.setup.js in ${candidates.join(' or ')} (run npm run build there)`);
  return pathToFileURL(`${dist}/`);
}
