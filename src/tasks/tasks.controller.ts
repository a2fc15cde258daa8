import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
  BadRequestException,
  ServiceUnavailableException,
  UseGuards,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
  ApiProduces,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CrossSiteWriteGuard } from '../auth/cross-site-write.guard.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { StrictValidationPipe } from '../http/strict-validation.pipe.js';
import { EventStreamClient } from '../events/event-stream-client.js';
import { MAX_STREAMS, TaskEventHub } from '../events/task-event-hub.service.js';
import type { Task, TaskAttempt, TaskStatus } from '../task-store/task.js';
import { CreateTaskBatchDto, TaskBatchDto } from './dto/create-task-batch.dto.js';
import { CreateTaskDto, IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_MESSAGE, SHORTHAND_TASK_BODY } from './dto/create-task.dto.js';
import { ListTasksQuery, StopTaskQuery } from './dto/list-tasks.query.js';
import { WaitQuery } from './dto/wait.query.js';
import { CROSS_SITE_WRITE_REFUSED, ErrorDto, UNDECODABLE_BODY } from '../http/error.dto.js';
import {
  ConflictErrorDto,
  TaskAttemptListDto,
  TaskCountsDto,
  TaskDto,
  TaskPageDto,
  TaskTypeDto,
} from './dto/task.dto.js';
import { TaskBatchPipe } from './task-batch.pipe.js';
import { TaskIdPipe } from './task-id.pipe.js';
import { TaskManagerService } from './task-manager.service.js';
import { TaskSubmissionPipe } from './task-submission.pipe.js';
import { TraceparentInterceptor } from '../tracing/traceparent.interceptor.js';

/** Query strings: unknown parameters are named in a 400 rather than silently ignored. */
const queryPipe = new StrictValidationPipe();

/** How long a browser waits before it reconnects a dropped event stream. */
const EVENT_STREAM_RETRY_MS = 2000;

const ID_PARAM = { name: 'id', description: 'Task id (digits)', example: '42' };

@ApiTags('tasks')
@ApiBearerAuth()
@UseGuards(CrossSiteWriteGuard, ApiKeyGuard)
// Its own filter, so that embedded in an application without ours the same errors get the same answers.
@UseFilters(HttpErrorFilter)
// A `traceparent` header continues the caller's trace into the spans of a submit or a stop (docs/observability.md).
@UseInterceptors(TraceparentInterceptor)
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({
  description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS for this key or address',
  type: ErrorDto,
})
@ApiExtraModels(CreateTaskDto)
@ApiServiceUnavailableResponse({ description: 'The database is unreachable', type: ErrorDto })
@Controller('tasks')
export class TasksController {
  constructor(
    private readonly tasks: TaskManagerService,
    private readonly events: TaskEventHub,
  ) {}

  @Post()
  @ApiUnsupportedMediaTypeResponse(UNDECODABLE_BODY)
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @ApiOperation({
    summary: 'Submit a task',
    description:
      'The body is read as JSON whatever its Content-Type. A body with any canonical field (type, payload, priority, runAt, maxAttempts, timeoutMs, queue, key) is canonical and may have no other field. A JSON object with none of them is the shorthand of the original TaskSystem: the payload of the default task type.',
  })
  @ApiBody({
    // anyOf, not oneOf: `{}` is both (an empty canonical body, or an empty shorthand payload), and means the same.
    schema: { anyOf: [{ $ref: getSchemaPath(CreateTaskDto) }, SHORTHAND_TASK_BODY] },
    examples: {
      canonical: { value: { type: 'sleep', payload: { ms: 2000 }, priority: 5, maxAttempts: 3, timeoutMs: 60000 } },
      shorthand: { value: { name: 'Jean', number: '42' } },
    },
  })
  @ApiCreatedResponse({ type: TaskDto, description: 'The task, committed in PostgreSQL' })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Body not JSON or not an object, unknown type or fields, values out of range, invalid payload',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'Payload over PAYLOAD_LIMIT_BYTES (64 KiB by default)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same as the body field `key` (give one or the other, or both equal)',
  })
  @ApiOkResponse({
    type: TaskDto,
    description: 'The idempotency key is held by this task, which is returned unchanged',
  })
  @ApiConflictResponse({
    type: ConflictErrorDto,
    description: 'The idempotency key is held by a task with a different body; the body carries that task',
  })
  async submit(
    @Body(TaskSubmissionPipe) submission: CreateTaskDto,
    @Headers('idempotency-key') headerKey: string | undefined,
    @Query(queryPipe) { wait }: WaitQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Task> {
    const { task, created } = await this.tasks.submit(withHeaderKey(submission, headerKey));
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return wait === undefined ? task : this.tasks.waitForEnd(task.id, wait);
  }

  @Post('batch')
  @ApiUnsupportedMediaTypeResponse(UNDECODABLE_BODY)
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @ApiOperation({
    summary: 'Submit up to 1,000 tasks at once',
    description:
      'All or nothing: the tasks are stored in one statement, in the order given, or, if any item is bad, none is and the 400 names its index. Each item is a canonical body (no shorthand) with the same rules as POST /tasks. The whole body may be at most 8 MiB.',
  })
  @ApiBody({ type: CreateTaskBatchDto })
  @ApiCreatedResponse({ type: TaskBatchDto, description: 'The tasks, committed, in the order given' })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Not {"tasks": [...]}, 0 or over 1,000 tasks, or a bad item (named by its index)',
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorDto,
    description: "An item's payload over PAYLOAD_LIMIT_BYTES, or a body over 8 MiB",
  })
  @ApiConflictResponse({
    type: ConflictErrorDto,
    description:
      "An item's idempotency key is held by a task with a different body (named by its index); nothing is stored",
  })
  async submitBatch(@Body(TaskBatchPipe) submissions: CreateTaskDto[]): Promise<{ tasks: Task[] }> {
    return { tasks: (await this.tasks.submitMany(submissions)).map(({ task }) => task) };
  }

  @Get()
  @ApiOperation({
    summary: 'List tasks, newest first',
    description:
      '`GET /tasks?status=running` lists the running tasks; `GET /tasks?status=queued&waiting=no-worker` the queued tasks no live replica can run. Queued tasks carry `waiting` (without `position`).',
  })
  // Comma-separated (`explode: false`), as the contract says: an array reads as `status=a&status=b` by default.
  @ApiQuery({ name: 'status', required: false, style: 'form', explode: false })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description:
      'A bad status, waiting reason, limit or cursor, `waiting` with a status other than queued, or an unknown query parameter',
  })
  list(@Query(queryPipe) query: ListTasksQuery): Promise<{ tasks: Task[]; nextCursor: string | null }> {
    if (query.waiting !== undefined && query.status?.some((status) => status !== 'queued')) {
      throw new BadRequestException('waiting filters queued tasks: give status=queued, or leave status out');
    }
    return this.tasks.list(query);
  }

  @Get('types')
  @ApiOperation({ summary: 'The task types this replica knows', description: 'For forms such as the dashboard’s.' })
  @ApiOkResponse({ type: [TaskTypeDto] })
  types(): TaskTypeDto[] {
    return this.tasks.types();
  }

  @Get('counts')
  @ApiOperation({ summary: 'Tasks per status', description: 'History included, as the `counts` event sends them.' })
  @ApiOkResponse({ type: TaskCountsDto })
  counts(): Promise<Record<TaskStatus, number>> {
    return this.events.counts();
  }

  @Get('events')
  @ApiOperation({
    summary: 'Live task changes, as server-sent events',
    description: [
      'Changes made on any replica, fed from PostgreSQL LISTEN/NOTIFY. Events:',
      '`task` (a task that changed: the task without `payload` and `result`),',
      '`counts` (tasks per status, on connect and within about half a second of a change, at most twice a second),',
      '`throughput` (`{"at", "succeeded", "failed", "cancelled"}`: tasks that ended in the second before `at`),',
      '`resync` (sent first, after the server missed notifications, and to a client too slow to keep up:',
      're-read what you show). A `: keep-alive` comment comes every 15 s.',
    ].join(' '),
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The stream; it stays open', content: { 'text/event-stream': {} } })
  async streamEvents(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (this.events.clientCount >= MAX_STREAMS) {
      throw new ServiceUnavailableException(`this replica already serves ${MAX_STREAMS} event streams; retry later`);
    }
    const client = new EventStreamClient(response);
    client.open(EVENT_STREAM_RETRY_MS);
    request.on('close', () => this.events.remove(client));
    await this.events.add(client);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Read one task',
    description: 'A queued task carries `waiting`: why it has not started yet, computed on read.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: TaskDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task' })
  get(@Param('id', TaskIdPipe) id: string, @Query(queryPipe) { wait }: WaitQuery): Promise<Task> {
    return wait === undefined ? this.tasks.get(id) : this.tasks.waitForEnd(id, wait);
  }

  @Post(':id/retry')
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Run a failed or cancelled task again',
    description:
      'Puts it back to `queued`, to run now with a fresh count of attempts (`attempt` starts again from 0). Its earlier attempts stay in `GET /tasks/:id/attempts`.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: TaskDto, description: 'The task, queued again' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task' })
  @ApiConflictResponse({
    type: ConflictErrorDto,
    description: 'The task is queued, running or succeeded (the body carries it), or a live task holds its key',
  })
  retry(@Param('id', TaskIdPipe) id: string): Promise<Task> {
    return this.tasks.retry(id);
  }

  @Get(':id/attempts')
  @ApiOperation({
    summary: "A task's attempts, oldest first",
    description: 'Each attempt with its worker, start, end, status and error; the current one while it runs.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: TaskAttemptListDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task' })
  async attempts(@Param('id', TaskIdPipe) id: string): Promise<{ attempts: TaskAttempt[] }> {
    return { attempts: await this.tasks.attempts(id) };
  }

  @Delete(':id')
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Stop a task',
    description:
      'A queued task is cancelled and never starts. A running task, on whichever replica, has its AbortSignal fired; the response waits up to `wait` ms for it to end. The record is kept.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: TaskDto, description: 'Stopped: status cancelled' })
  @ApiAcceptedResponse({
    type: TaskDto,
    description: 'Still running after `wait` ms; cancelRequestedAt is set and it stops later',
  })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed id or wait' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task' })
  @ApiConflictResponse({
    type: ConflictErrorDto,
    description: 'Already succeeded, failed or cancelled; the body carries the task',
  })
  async stop(
    @Param('id', TaskIdPipe) id: string,
    @Query(queryPipe) query: StopTaskQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Task> {
    const { task, stopped } = await this.tasks.stop(id, query.wait);
    if (!stopped) response.status(HttpStatus.ACCEPTED);
    return task;
  }
}

/** The submission with the Idempotency-Key header's key, which must agree with the body's if both are given. */
function withHeaderKey(submission: CreateTaskDto, headerKey: string | undefined): CreateTaskDto {
  if (headerKey === undefined) return submission;
  if (!IDEMPOTENCY_KEY.test(headerKey)) throw new BadRequestException(`Idempotency-Key: ${IDEMPOTENCY_KEY_MESSAGE}`);
  if (submission.key !== undefined && submission.key !== headerKey) {
    throw new BadRequestException("the Idempotency-Key header and the body's key differ: give one, or both equal");
  }
  return Object.assign(new CreateTaskDto(), submission, { key: headerKey });
}
