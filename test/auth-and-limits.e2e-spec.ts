import { tmpdir } from 'node:os';
import { freePort, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

const KEY = 'test-key-0123456789abcdef';
const OTHER_KEY = 'other-key-0123456789abcdef';
const THIRD_KEY = 'third-key-0123456789abcdef';

describe('API keys', () => {
  let database: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false', API_KEYS: `${KEY}, ${OTHER_KEY}` });
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('refuses every task route without a key, with 401 naming the scheme, and stores nothing', async () => {
    for (const [method, path] of [
      ['post', '/tasks'],
      ['post', '/tasks/batch'],
      ['get', '/tasks'],
      ['get', '/tasks/1'],
      ['delete', '/tasks/1'],
    ] as const) {
      const response = await api.http[method](path).send({ type: 'demo' }).expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'send an API key as Authorization: Bearer <key>',
      });
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await database.query('SELECT id FROM tasks')).toEqual([]);
  });

  it('refuses a wrong key with 401', async () => {
    const response = await api.http.get('/tasks').set('Authorization', `Bearer ${KEY}x`).expect(401);
    expect(response.body.message).toBe('the API key is not valid');
    await api.http.get('/tasks').set('Authorization', KEY).expect(401);
  });

  it('accepts each configured key', async () => {
    const created = await api.http
      .post('/tasks')
      .set('Authorization', `Bearer ${KEY}`)
      .send({ name: 'Jean' })
      .expect(201);
    await api.http.get(`/tasks/${created.body.id}`).set('Authorization', `bearer ${OTHER_KEY}`).expect(200);
    await api.http.delete(`/tasks/${created.body.id}`).set('Authorization', `Bearer ${OTHER_KEY}`).expect(200);
  });

  it('guards the metrics with the same keys', async () => {
    await api.http.get('/metrics').expect(401);
    await api.http.get('/metrics').set('Authorization', `Bearer ${KEY}`).expect(200);
  });

  it('keeps health and the API documentation open, and declares the bearer scheme', async () => {
    await api.http.get('/health').expect(200);
    await api.http.get('/health/ready').expect(200);
    const document = (await api.http.get('/docs-json').expect(200)).body;
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/tasks'].post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(document.paths['/tasks'].post.responses)).toContain('401');
  });

  it('sends the usual security headers and no CORS headers', async () => {
    const response = await api.http.get('/health').set('Origin', 'https://elsewhere.example').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits and CORS, on a real process', () => {
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startService(tmpdir(), {
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      WORKER_ENABLED: 'false',
      API_KEYS: `${KEY},${OTHER_KEY},${THIRD_KEY}`,
      THROTTLE_LIMIT: '3',
      // Each test below that counts by address sends its own X-Forwarded-For, so none spends another's budget.
      TRUST_PROXY_HOPS: '1',
      THROTTLE_TTL_MS: '60000',
      CORS_ORIGINS: 'https://dashboard.example',
    });
  });

  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited;
    await database?.drop();
  });

  const get = (path: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${service.baseUrl}${path}`, { headers });

  it('answers 429 past THROTTLE_LIMIT requests per window, counted per key', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/tasks', { Authorization: `Bearer ${KEY}` })).status).toBe(200);
    const limited = await get('/tasks', { Authorization: `Bearer ${KEY}` });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await get('/tasks', { Authorization: `Bearer ${OTHER_KEY}` })).status).toBe(200);
  });

  it('counts every spelling of a key the guard accepts against that key’s one limit', async () => {
    for (const authorization of [`bearer ${THIRD_KEY}`, `BEARER\t${THIRD_KEY}`, `Bearer  \t ${THIRD_KEY}`]) {
      expect((await get('/tasks', { Authorization: authorization })).status).toBe(200);
    }
    expect((await get('/tasks', { Authorization: `Bearer ${THIRD_KEY}` })).status).toBe(429);
  });

  it('counts made-up keys against the address they come from, on open and guarded routes alike', async () => {
    const from = { 'X-Forwarded-For': '203.0.113.7' };
    const madeUp = ['Bearer made-up-key-number-1', 'Basic bWFkZS11cDprZXk=', `bearer ${KEY}-but-not-quite`];
    // (The limiter counts each route apart, as @nestjs/throttler does, so each route spends its own budget.)
    for (const [path, status] of [
      ['/health/live', 200],
      ['/tasks', 401],
    ] as const) {
      for (const authorization of madeUp)
        expect((await get(path, { ...from, Authorization: authorization })).status).toBe(status);
      expect((await get(path, { ...from, Authorization: 'Bearer yet-another-made-up-key' })).status).toBe(429);
    }
    // Another address has a budget of its own.
    expect((await get('/health/live', { 'X-Forwarded-For': '203.0.113.8' })).status).toBe(200);
  });

  it('lets the configured origin call the API from a browser, and no other', async () => {
    const allowed = await get('/health/live', { Origin: 'https://dashboard.example' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    const refused = await get('/health/live', { Origin: 'https://elsewhere.example' });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});
