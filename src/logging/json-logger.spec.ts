import { PassThrough } from 'node:stream';
import { JsonLogger } from './json-logger.js';
import { withRequestId } from './request-context.js';

describe('JsonLogger', () => {
  const capture = (level: 'info' | 'debug' = 'info') => {
    const stream = new PassThrough();
    const lines: Record<string, unknown>[] = [];
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    return { logger: new JsonLogger(level, stream), lines };
  };

  it('writes one JSON object per line with level, context and message', () => {
    const { logger, lines } = capture();
    logger.log('task 7 (sleep) succeeded', 'WorkerSupervisor');
    logger.warn('lease lost', 'WorkerSupervisor');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'WorkerSupervisor', msg: 'task 7 (sleep) succeeded' }),
      expect.objectContaining({ level: 40, context: 'WorkerSupervisor', msg: 'lease lost' }),
    ]);
    expect(typeof lines[0].time).toBe('number');
  });

  it('keeps the stack of an error', () => {
    const { logger, lines } = capture();
    logger.error('task 7 failed', 'Error: boom\n    at run', 'WorkerSupervisor');
    logger.error('no stack', 'HttpError');
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'task 7 failed',
      stack: 'Error: boom\n    at run',
      context: 'WorkerSupervisor',
    });
    expect(lines[1]).toMatchObject({ level: 50, msg: 'no stack', context: 'HttpError' });
    expect(lines[1].stack).toBeUndefined();
  });

  it('names the request a line was logged for, and no request outside one', async () => {
    const { logger, lines } = capture();
    await withRequestId('req-7', async () => {
      await Promise.resolve(); // still the request's after an await
      logger.log('task 7 (sleep) started', 'WorkerSupervisor');
    });
    logger.log('listening', 'Main');
    withRequestId(null, () => logger.log('claim round', 'WorkerSupervisor'));
    expect(lines[0]).toMatchObject({ reqId: 'req-7', msg: 'task 7 (sleep) started' });
    expect(lines[1]).not.toHaveProperty('reqId');
    expect(lines[2]).not.toHaveProperty('reqId');
  });

  it('never writes an authorization header, should a line ever carry one', () => {
    const { logger, lines } = capture();
    logger.log({ msg: 'request', req: { headers: { authorization: 'Bearer secret-key-0123456789' } } }, 'HTTP');
    expect(JSON.stringify(lines)).not.toContain('secret-key');
  });

  it('leaves out what is below its level', () => {
    const { logger, lines } = capture('info');
    logger.debug('GET /tasks 200', 'HTTP');
    logger.verbose('detail', 'HTTP');
    expect(lines).toEqual([]);
  });
});
