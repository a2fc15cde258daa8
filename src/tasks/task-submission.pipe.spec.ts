import { BadRequestException } from '@nestjs/common';
import { loadConfig } from '../config/app-config.js';
import { TaskSubmissionPipe } from './task-submission.pipe.js';

describe('TaskSubmissionPipe', () => {
  const pipe = new TaskSubmissionPipe(loadConfig({ DEFAULT_TASK_TYPE: 'demo' }));

  const messageOf = async (body: unknown): Promise<string> => {
    const error = await pipe.transform(body).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestException);
    const response = (error as BadRequestException).getResponse() as { message: string | string[] };
    return [response.message].flat().join('\n');
  };

  it('reads an object without canonical fields as the payload of the default type', async () => {
    expect(await pipe.transform({ name: 'Jean', number: '42' })).toEqual({
      type: 'demo',
      payload: { name: 'Jean', number: '42' },
    });
  });

  it('reads no body at all as a default task with an empty payload', async () => {
    expect(await pipe.transform(undefined)).toEqual({ type: 'demo', payload: {} });
  });

  it('keeps a canonical body as it is', async () => {
    const body = {
      type: 'sleep',
      payload: { ms: 5 },
      priority: -3,
      runAt: '2030-01-01T00:00:00Z',
      maxAttempts: 1,
      timeoutMs: null,
    };
    expect(await pipe.transform(body)).toEqual(body);
  });

  it('names unknown fields mixed with canonical ones', async () => {
    expect(await messageOf({ payload: 1, name: 'x' })).toMatch(/unknown field\(s\) "name"/);
  });

  it('refuses what is not a JSON object', async () => {
    for (const body of [null, 5, 'text', [1]]) expect(await messageOf(body)).toBe('body must be a JSON object');
  });

  it('names every out-of-range field', async () => {
    const message = await messageOf({ priority: -101, maxAttempts: 101, timeoutMs: 0 });
    expect(message).toMatch(/priority must not be less than -100/);
    expect(message).toMatch(/maxAttempts must not be greater than 100/);
    expect(message).toMatch(/timeoutMs must not be less than 1/);
  });
});
