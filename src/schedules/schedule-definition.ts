import { validate } from 'class-validator';
import { withFields } from '../json/json-object.js';
import { DEFAULT_QUEUE } from '../task-store/task.js';
import { isJsonObject, readCanonicalTask } from '../tasks/task-submission.js';
import { canonicalTimeZone, cronProblems } from './cron-schedule.js';
import { CreateScheduleDto, SCHEDULE_FIELDS } from './dto/create-schedule.dto.js';
import type { ScheduleDefinition, ScheduledTask } from './schedule.js';

/** Fields of POST /tasks' canonical body a schedule's task may not have, and why. */
const FIELDS_SET_BY_THE_SCHEDULE: Record<string, string> = {
  runAt: 'task.runAt is not allowed: each occurrence runs when it comes',
  key: 'task.key is not allowed: each occurrence gets the key schedule:<name>:<occurrence>',
};

/**
 * Reads a schedule declaration (a POST /schedules body, or one declared in code): every field checked, the
 * task exactly as POST /tasks checks a canonical body, defaults filled in. Returns the definition, or every
 * problem found, each naming its field. Whether the task type exists is checked apart (TaskInputChecker),
 * because only the running app knows its task types.
 */
export async function readScheduleDefinition(
  body: unknown,
  defaultTaskType: string,
): Promise<ScheduleDefinition | string[]> {
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  const unknown = unknownFields(body, SCHEDULE_FIELDS);
  if (unknown.length > 0) return unknown;
  return readFields(body, defaultTaskType);
}

/** The fields a PATCH may change: all but the name. */
const CHANGEABLE_FIELDS = SCHEDULE_FIELDS.filter((field) => field !== 'name');

/**
 * Reads a PATCH /schedules/:name body against the schedule as it is: the fields given replace the stored
 * ones (`task` whole), the result is checked as a whole declaration. Returns it, or every problem found.
 */
export async function readSchedulePatch(
  body: unknown,
  current: ScheduleDefinition,
  defaultTaskType: string,
): Promise<ScheduleDefinition | string[]> {
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  if ('name' in body) return ['name cannot be changed: create a schedule under the new name and delete this one'];
  const unknown = unknownFields(body, CHANGEABLE_FIELDS);
  if (unknown.length > 0) return unknown;
  const { name, cron, timezone, overlap, paused } = current;
  return readFields({ name, cron, timezone, overlap, paused, ...body }, defaultTaskType, current.task);
}

function unknownFields(body: Record<string, unknown>, allowed: readonly string[]): string[] {
  const unknown = Object.keys(body).filter((field) => !allowed.includes(field));
  return unknown.length === 0
    ? []
    : [`unknown field(s) ${unknown.map((f) => `"${f}"`).join(', ')}: a schedule has ${allowed.join(', ')}`];
}

/** Checks every field; `currentTask` stands in for a `task` the body does not give (a PATCH). */
async function readFields(
  body: Record<string, unknown>,
  defaultTaskType: string,
  currentTask?: ScheduledTask,
): Promise<ScheduleDefinition | string[]> {
  const keepTask = currentTask !== undefined && !('task' in body);
  const dto = withFields(new CreateScheduleDto(), keepTask ? { ...body, task: {} } : body, SCHEDULE_FIELDS);
  const problems = (await validate(dto)).flatMap((error) => Object.values(error.constraints ?? {}));

  if (typeof dto.cron === 'string') problems.push(...cronProblems(dto.cron));
  const timezone = typeof dto.timezone === 'string' ? canonicalTimeZone(dto.timezone) : 'UTC';
  if (timezone === undefined) {
    problems.push(
      `timezone "${String(dto.timezone)}" is not an IANA time zone name (e.g. UTC, Europe/Paris, America/New_York)`,
    );
  }
  let task: ScheduledTask | string[] = [];
  if (keepTask) task = currentTask;
  else if (isJsonObject(dto.task)) task = await readScheduledTask(dto.task, defaultTaskType);
  if (Array.isArray(task)) problems.push(...task);

  if (problems.length > 0 || timezone === undefined || Array.isArray(task)) return problems;
  return {
    name: dto.name,
    cron: dto.cron.trim().replace(/\s+/g, ' '),
    timezone,
    task,
    overlap: dto.overlap ?? 'skip',
    paused: dto.paused ?? false,
  };
}

/** The `task` of a schedule: POST /tasks' canonical body without runAt or key, defaults filled in. */
async function readScheduledTask(
  body: Record<string, unknown>,
  defaultTaskType: string,
): Promise<ScheduledTask | string[]> {
  const refused = Object.keys(body)
    .filter((field) => Object.hasOwn(FIELDS_SET_BY_THE_SCHEDULE, field))
    .map((field) => FIELDS_SET_BY_THE_SCHEDULE[field]);
  if (refused.length > 0) return refused;
  const read = await readCanonicalTask(body);
  if (Array.isArray(read)) return read.map((problem) => `task: ${problem}`);
  return {
    type: read.type ?? defaultTaskType,
    payload: read.payload ?? null,
    priority: read.priority ?? 0,
    maxAttempts: read.maxAttempts ?? 3,
    timeoutMs: read.timeoutMs ?? null,
    queue: read.queue ?? DEFAULT_QUEUE,
    concurrencyKey: read.concurrencyKey ?? null,
  };
}
