/**
 * `tasksystem/client`: a typed HTTP client of the TaskSystem API, for services that are not Nest apps or
 * live elsewhere. Nothing here imports the server (eslint.config.js enforces it): it runs in any Node 18+
 * script with the global fetch.
 */
export { createTaskSystemClient } from './task-system-client.js';
export type { TaskSystemClient, TaskSystemClientOptions, WaitOptions } from './task-system-client.js';
export { TaskSystemHttpError } from './task-system-http-error.js';
export { MAX_WAIT_SLICE_MS } from './long-poll.js';
export type * from './types.js';
export type { components, paths } from './openapi-types.js';
