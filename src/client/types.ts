import type { components, paths } from './openapi-types.js';

/**
 * The shapes the client sends and receives, named for their users. Each is a type of the OpenAPI document
 * (openapi-types.ts, generated from openapi.json), so a change of the API changes them too.
 */
type Schemas = components['schemas'];

/** A task as every route returns it. */
export type Task = Schemas['TaskDto'];
export type TaskStatus = Task['status'];
/** The canonical body of POST /tasks (every field optional). */
export type TaskSubmission = Schemas['CreateTaskDto'];
export type TaskPage = Schemas['TaskPageDto'];
export type TaskAttempt = Schemas['TaskAttemptDto'];
export type TaskCounts = Schemas['TaskCountsDto'];
export type TaskType = Schemas['TaskTypeDto'];
type ListQuery = NonNullable<paths['/tasks']['get']['parameters']['query']>;
/** The filters and page of GET /tasks: one status or several (sent comma-separated). */
export type ListTasksQuery = Omit<ListQuery, 'status'> & { status?: TaskStatus | TaskStatus[] };

export type Queue = Schemas['QueueDto'];
/** PUT /queues/:name: the limits given are set (null lifts one), the others stay. */
export type QueueLimits = Schemas['SetQueueLimitDto'];

/** A replica that runs tasks, live or gone in the last hour (GET /workers). */
export type Worker = Schemas['WorkerDto'];

export type Schedule = Schemas['ScheduleDto'];
export type ScheduleDefinition = Schemas['CreateScheduleDto'];
/** PATCH /schedules/:name: the fields given replace the stored ones. */
export type ScheduleChange = Schemas['UpdateScheduleDto'];

/** The error body of every 4xx and 5xx; a 409 about a task also carries it as `task`. */
export type ErrorBody = Schemas['ErrorDto'] & { task?: Task };
