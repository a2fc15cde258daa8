import { CreateTasks1764288000000 } from './1764288000000-create-tasks.js';
import { IndexFinishedTasks1764374400000 } from './1764374400000-index-finished-tasks.js';
import { TuneTasksAutovacuum1764460800000 } from './1764460800000-tune-tasks-autovacuum.js';

/** Every migration, oldest first. Listed by hand so that the build, the app and the tests agree. */
export const MIGRATIONS = [CreateTasks1764288000000, IndexFinishedTasks1764374400000, TuneTasksAutovacuum1764460800000];
