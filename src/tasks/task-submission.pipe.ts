import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { CANONICAL_FIELDS, CreateTaskDto } from './dto/create-task.dto.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Turns a POST /tasks body into a validated CreateTaskDto. A body with any canonical field is canonical,
 * and then every other top-level field is a mistake worth naming; a body with none is the original
 * TaskSystem's shorthand, the payload of the default task type.
 */
@Injectable()
export class TaskSubmissionPipe implements PipeTransform<unknown, Promise<CreateTaskDto>> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async transform(body: unknown): Promise<CreateTaskDto> {
    // No body at all: every field is optional, so this is a default task with an empty payload.
    if (body === undefined) body = {};
    if (!isObject(body)) throw new BadRequestException('body must be a JSON object');

    const fields = Object.keys(body);
    const isCanonical = fields.some((field) => (CANONICAL_FIELDS as readonly string[]).includes(field));
    if (!isCanonical) return Object.assign(new CreateTaskDto(), { type: this.config.defaultTaskType, payload: body });

    const unknown = fields.filter((field) => !(CANONICAL_FIELDS as readonly string[]).includes(field));
    if (unknown.length > 0) {
      throw new BadRequestException(
        `unknown field(s) ${unknown.map((f) => `"${f}"`).join(', ')}: a body with canonical fields may only have ${CANONICAL_FIELDS.join(', ')}; put task input under "payload"`,
      );
    }
    const dto = plainToInstance(CreateTaskDto, body);
    const errors = await validate(dto);
    if (errors.length > 0) {
      throw new BadRequestException(errors.flatMap((error) => Object.values(error.constraints ?? {})));
    }
    return dto;
  }
}
