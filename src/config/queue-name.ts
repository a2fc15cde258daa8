/**
 * What a queue may be called: a task's `queue` field, a queue in a path (`/queues/:name`) and each queue of
 * WORKER_QUEUES. Short, lowercase and free of `,` and `:`, so that WORKER_QUEUES can list them as `name:n`.
 */
export const QUEUE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const QUEUE_NAME_RULE = '1-63 lowercase letters, digits or ._- starting with a letter or digit';
