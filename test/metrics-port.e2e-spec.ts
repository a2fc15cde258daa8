import { freePort } from './support/service-process.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

const KEY = 'metrics-port-key-0123456789';

/**
 * Fly's metrics scraper sends no headers, so it cannot pass the API key that guards the public /metrics.
 * METRICS_PORT opens a second listener that serves /metrics alone, open, on a port Fly's proxy does not
 * publish (fly.toml [metrics]); the main port keeps its guarded /metrics for scrapers that send a key.
 */
describe('METRICS_PORT', () => {
  let database: TestDatabase;
  let app: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    app = await startTestApp(database.url, { API_KEYS: KEY, WORKER_ENABLED: 'false', METRICS_PORT: String(port) });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('serves /metrics to a scraper that sends no headers at all', async () => {
    await app.http.post('/tasks').set('Authorization', `Bearer ${KEY}`).send({ type: 'demo' }).expect(201);
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    expect(body).toMatch(/^tasksystem_tasks_submitted_total\{type="demo"\} 1$/m);
    expect(body).toMatch(/^tasksystem_queue_depth\{status="queued"\} 1$/m);
  });

  it('serves nothing else there: the API stays on the main port, behind its key', async () => {
    expect((await fetch(`${metricsUrl}/tasks`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/health`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it("keeps the main port's /metrics, guarded by the API key as before", async () => {
    await app.http.get('/metrics').expect(401);
    const scraped = await app.http.get('/metrics').set('Authorization', `Bearer ${KEY}`).expect(200);
    expect(scraped.text).toMatch(/^tasksystem_tasks_submitted_total/m);
  });

  it('closes with the app', async () => {
    const port = await freePort();
    const other = await startTestApp(database.url, { WORKER_ENABLED: 'false', METRICS_PORT: String(port) });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    await other.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
