import { PassThrough } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { JsonLogger } from '../logging/json-logger.js';
import { requestId } from './request-id.middleware.js';
import { requestLog } from './request-log.middleware.js';

describe('requestLog', () => {
  const appLogging = () => {
    const stream = new PassThrough();
    const lines: Record<string, unknown>[] = [];
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const app = express();
    app.use(requestId, requestLog('info', new JsonLogger('info', stream).pino));
    app.get('/tasks/:id', (_request, response) => void response.json({ ok: true }));
    app.get('/broken', (_request, response) => void response.status(500).json({ statusCode: 500 }));
    app.get('/health/ready', (_request, response) => void response.json({ status: 'ok' }));
    return { app, lines };
  };

  it('writes one line per response, with the route pattern and no path, query or header', async () => {
    const { app, lines } = appLogging();
    // An id no number in the line (its time, its pid) can contain by chance: "42" once matched a timestamp.
    await request(app).get('/tasks/id-in-path?type=secret').set('X-Request-Id', 'r-1').set('Cookie', 'a=b').expect(200);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, reqId: 'r-1', method: 'GET', route: '/tasks/:id', status: 200 }),
    ]);
    expect(lines[0].msg).toMatch(/^GET \/tasks\/:id 200 \d+ ms$/);
    expect(JSON.stringify(lines)).not.toMatch(/id-in-path|secret|cookie/i);
  });

  it('logs a 5xx at error, and health checks at debug (below info: not at all)', async () => {
    const { app, lines } = appLogging();
    await request(app).get('/health/ready').expect(200);
    await request(app).get('/broken').set('X-Request-Id', 'r-2').expect(500);
    expect(lines).toEqual([expect.objectContaining({ level: 50, reqId: 'r-2', route: '/broken', status: 500 })]);
    expect(lines[0].msg).toMatch(/^GET \/broken 500 \d+ ms$/);
  });
});
