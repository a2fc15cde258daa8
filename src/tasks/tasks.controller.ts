import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import type { Task } from '../queue/task.js';
import { CreateTaskBatchDto, TaskBatchDto } from './dto/create-task-batch.dto.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQuery, StopTaskQuery } from './dto/list-tasks.query.js';
import { ConflictErrorDto, ErrorDto, TaskDto, TaskPageDto } from './dto/task.dto.js';
import { TaskBatchPipe } from './task-batch.pipe.js';
import { TaskIdPipe } from './task-id.pipe.js';
import { TaskManagerService } from './task-manager.service.js';
import { TaskSubmissionPipe } from './task-submission.pipe.js';

/** Query strings: unknown parameters are named in a 400 rather than silently ignored. */
const queryPipe = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });

const ID_PARAM = { name: 'id', description: 'Task id (digits)', example: '42' };

@ApiTags('tasks')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({
  description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS for this key or address',
  type: ErrorDto,
})
@ApiExtraModels(CreateTaskDto)
@ApiServiceUnavailableResponse({ description: 'The database is unreachable', type: ErrorDto })
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TaskManagerService) {}

  @Post()
  @ApiOperation({
    summary: 'Submit a task',
    description:
      'The body is read as JSON whatever its Content-Type. A body with any canonical field (type, payload, priority, runAt, maxAttempts, timeoutMs) is canonical and may have no other field. A JSON object with none of them is the shorthand of the original TaskSystem: the payload of the default task type.',
  })
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(CreateTaskDto) },
        { type: 'object', description: 'Shorthand: the payload of the default task type', additionalProperties: true },
      ],
    },
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
  submit(@Body(TaskSubmissionPipe) submission: CreateTaskDto): Promise<Task> {
    return this.tasks.submit(submission);
  }

  @Post('batch')
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
  async submitBatch(@Body(TaskBatchPipe) submissions: CreateTaskDto[]): Promise<{ tasks: Task[] }> {
    return { tasks: await this.tasks.submitMany(submissions) };
  }

  @Get()
  @ApiOperation({
    summary: 'List tasks, newest first',
    description: '`GET /tasks?status=running` lists the running tasks.',
  })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'A bad status, limit or cursor, or an unknown query parameter',
  })
  list(@Query(queryPipe) query: ListTasksQuery): Promise<{ tasks: Task[]; nextCursor: string | null }> {
    return this.tasks.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one task' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: TaskDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task' })
  get(@Param('id', TaskIdPipe) id: string): Promise<Task> {
    return this.tasks.get(id);
  }

  @Delete(':id')
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
