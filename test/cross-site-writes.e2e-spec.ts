import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { baseUrlOf, launchChromium, openDashboard, REMOTE_HOST } from './support/browser.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const KEY = 'cross-site-test-key-0123456789';

/** A page on another site that posts a task through a plain HTML form: text/plain, so no CORS preflight. */
const FORM_PAGE = (api: string): string => `<!doctype html>
<title>a page on another site</title>
<form method="post" action="${api}/tasks" enctype="text/plain">
  <input type="hidden" name='{"type":"demo","payload":{"via":"form","pad":"' value='"}}'>
  <button>Win a prize</button>
</form>`;

/** Serves the form page at /form and an empty page elsewhere, on any host name that reaches 127.0.0.1. */
async function startPageServer(api: () => string): Promise<Server> {
  const server = createServer((request, response) => {
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.end(request.url === '/form' ? FORM_PAGE(api()) : '<!doctype html><title>another origin</title>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

/**
 * With no API key, a page on another site must not be able to write through the visitor's browser (a
 * form or a no-preflight fetch reaches the service from inside their network). Tried from a real
 * Chromium, on pages served by a second server: on another site, on the same site but another port, and
 * on an origin CORS_ORIGINS names. What the refused requests would have changed is checked in the database.
 */
describe('writes from browser pages on other origins, with no API key', () => {
  let database: TestDatabase;
  let pages: Server;
  let pagesPort: number;
  let api: TestApp;
  let apiUrl: string;
  let browser: Browser;
  /** Every request the service answered, seen from its side. */
  const answered: { request: string; status: number }[] = [];

  const taskCount = async (): Promise<number> =>
    Number((await database.query<{ n: string }>('SELECT count(*) AS n FROM tasks'))[0].n);
  const scheduleCount = async (): Promise<number> =>
    Number((await database.query<{ n: string }>('SELECT count(*) AS n FROM schedules'))[0].n);
  const pausedQueues = async (): Promise<string[]> =>
    (await database.query<{ name: string }>('SELECT name FROM queues WHERE paused')).map(({ name }) => name);

  beforeAll(async () => {
    database = await createTestDatabase();
    pages = await startPageServer(() => apiUrl);
    pagesPort = (pages.address() as AddressInfo).port;
    api = await startTestApp(database.url, {
      WORKER_ENABLED: 'false',
      CORS_ORIGINS: `http://allowed.test:${pagesPort}`,
    });
    apiUrl = baseUrlOf(api);
    (api.app.getHttpServer() as Server).on('request', (request: IncomingMessage, response: ServerResponse) =>
      response.on('finish', () =>
        answered.push({ request: `${request.method} ${request.url}`, status: response.statusCode }),
      ),
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await new Promise((done) => pages?.close(done));
    await database?.drop();
  });

  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  /** A page in a fresh browser context (no cookies, storage or cache shared with another test). */
  const openPage = async (origin: string, path = '/'): Promise<Page> => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    return page;
  };

  /**
   * Sends a write from the page as a script on it can without a preflight (text/plain) and returns the
   * status the service answered. The page itself never sees it: without CORS headers the browser fails
   * the fetch once the answer is in, so the service's side tells.
   */
  const simpleWriteFrom = async (page: Page, path: string, body?: object): Promise<number> => {
    const sent = answered.length;
    await page.evaluate(
      ({ url, text }) =>
        fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: text }).then(
          () => undefined,
          () => undefined,
        ),
      { url: `${apiUrl}${path}`, text: body === undefined ? undefined : JSON.stringify(body) },
    );
    const answer = await waitFor(`the service to answer POST ${path}`, () =>
      answered.slice(sent).find((seen) => seen.request === `POST ${path}`),
    );
    return answer.status;
  };

  it('refuses an HTML form posted from a page on another site with a 403 naming the reason, and stores nothing', async () => {
    const page = await openPage(`http://elsewhere.test:${pagesPort}`, '/form');
    const [response] = await Promise.all([
      page.waitForResponse(`${apiUrl}/tasks`),
      page.getByRole('button', { name: 'Win a prize' }).click(),
    ]);
    expect(response.status()).toBe(403);
    expect(await response.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: `a browser page on http://elsewhere.test:${pagesPort} may not write here while the API needs no key: only the service's own pages and the origins in CORS_ORIGINS may`,
    });
    expect(await taskCount()).toBe(0);
  });

  it('refuses text/plain fetches from another site to submit, schedule or pause, and changes nothing', async () => {
    const page = await openPage(`http://elsewhere.test:${pagesPort}`);
    expect(await simpleWriteFrom(page, '/tasks', { type: 'demo', payload: { via: 'fetch' } })).toBe(403);
    expect(await simpleWriteFrom(page, '/tasks/batch', { tasks: [{ type: 'demo' }] })).toBe(403);
    const schedule = { name: 'hourly', cron: '0 * * * *', task: { type: 'demo' } };
    expect(await simpleWriteFrom(page, '/schedules', schedule)).toBe(403);
    expect(await simpleWriteFrom(page, '/queues/default/pause')).toBe(403);
    expect(await taskCount()).toBe(0);
    expect(await scheduleCount()).toBe(0);
    expect(await pausedQueues()).toEqual([]);
  });

  it('refuses a page on the same host but another port: another origin, though the same site', async () => {
    const page = await openPage(`http://127.0.0.1:${pagesPort}`);
    expect(await simpleWriteFrom(page, '/tasks', { type: 'demo', payload: { via: 'same-site' } })).toBe(403);
    expect(await taskCount()).toBe(0);
  });

  it('lets a page on an origin CORS_ORIGINS lists submit and read the answer', async () => {
    const page = await openPage(`http://allowed.test:${pagesPort}`);
    const answer = await page.evaluate(async (url) => {
      const response = await fetch(`${url}/tasks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'demo', payload: { via: 'allowed origin' } }),
      });
      return { status: response.status, body: (await response.json()) as { payload: unknown } };
    }, apiUrl);
    expect(answer).toMatchObject({ status: 201, body: { payload: { via: 'allowed origin' } } });
  });

  it('lets the dashboard, served by the service itself, submit through its form', async () => {
    const dashboard = await openDashboard(browser, api, { host: REMOTE_HOST });
    try {
      const form = dashboard.page.getByRole('form', { name: 'Submit a task' });
      await form.getByLabel('Type').selectOption('demo');
      await form.getByLabel('Payload (JSON)').fill('{"via": "dashboard"}');
      await form.getByRole('button', { name: 'Submit task' }).click();
      await dashboard.page.getByText(/Task \d+ \(demo\) submitted\./).waitFor();
      expect(dashboard.problems).toEqual([]);
    } finally {
      await dashboard.close();
    }
    const stored = await database.query<{ payload: unknown }>(
      `SELECT payload FROM tasks WHERE payload->>'via' = 'dashboard'`,
    );
    expect(stored).toHaveLength(1);
  });

  it('still takes the original curl -d (form data, no Origin) and other clients that are not browsers', async () => {
    const response = await api.http
      .post('/tasks')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('{"name": "Jean", "number": "42"}')
      .expect(201);
    expect(response.body.payload).toEqual({ name: 'Jean', number: '42' });
    await api.http.delete(`/tasks/${response.body.id}`).expect(200);
  });

  it('judges a browser that sends no Sec-Fetch-Site by its Origin: its own host passes, another or none is refused', async () => {
    const { host } = new URL(apiUrl);
    await api.http.post('/tasks').set('Origin', `http://${host}`).send({ type: 'demo' }).expect(201);
    const before = await taskCount();
    const foreign = await api.http.post('/tasks').set('Origin', 'https://elsewhere.example').send({}).expect(403);
    expect(foreign.body.message).toMatch(/^a browser page on https:\/\/elsewhere\.example may not write here/);
    // A sandboxed frame or a file:// page sends `Origin: null`: it has no origin to trust.
    const opaque = await api.http.post('/tasks').set('Origin', 'null').send({}).expect(403);
    expect(opaque.body.message).toMatch(/^a browser page with no origin of its own \(Origin: null\)/);
    expect(await taskCount()).toBe(before);
  });

  it('refuses every kind of write, PUT, PATCH and DELETE included, when a browser says it comes from another site', async () => {
    const id = (await api.http.post('/tasks').send({ type: 'demo', runAt: '2099-01-01T00:00:00Z' }).expect(201)).body
      .id as string;
    await api.http
      .post('/schedules')
      .send({ name: 'nightly', cron: '0 3 * * *', task: { type: 'demo' } })
      .expect(201);
    const fromAnotherSite = { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://elsewhere.example' };
    await api.http.delete(`/tasks/${id}`).set(fromAnotherSite).expect(403);
    await api.http.post(`/tasks/${id}/retry`).set(fromAnotherSite).expect(403);
    await api.http.put('/queues/default').set(fromAnotherSite).send({ concurrency: 1 }).expect(403);
    await api.http.patch('/schedules/nightly').set(fromAnotherSite).send({ paused: true }).expect(403);
    await api.http.delete('/schedules/nightly').set(fromAnotherSite).expect(403);
    // Reading stays open to everyone, as before: the browser keeps a page on another site from reading the answer.
    await api.http.get(`/tasks/${id}`).set(fromAnotherSite).expect(200);
    expect((await api.task(id)).status).toBe('queued');
    expect((await api.http.get('/schedules/nightly').expect(200)).body.paused).toBe(false);
    expect(await database.query('SELECT name FROM queues WHERE concurrency IS NOT NULL')).toEqual([]);
  });

  it('documents the 403 on every write operation, and on no read', async () => {
    const { paths } = (await api.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, { responses }]) => ({
        operation: `${method} ${path}`,
        documents403: '403' in responses,
      })),
    );
    const writes = operations.filter(({ operation }) => !operation.startsWith('get '));
    expect(writes.length).toBeGreaterThanOrEqual(10);
    expect(writes.filter(({ documents403 }) => !documents403)).toEqual([]);
    expect(operations.filter(({ operation, documents403 }) => operation.startsWith('get ') && documents403)).toEqual(
      [],
    );
  });

  it('leaves writes to the API key when keys are set: a browser cannot send one across sites without a preflight', async () => {
    const keyed = await startTestApp(database.url, { WORKER_ENABLED: 'false', API_KEYS: KEY });
    try {
      const fromAnotherSite = { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://elsewhere.example' };
      await keyed.http.post('/tasks').set(fromAnotherSite).send({ type: 'demo' }).expect(401);
      await keyed.http
        .post('/tasks')
        .set({ ...fromAnotherSite, Authorization: `Bearer ${KEY}` })
        .send({ type: 'demo' })
        .expect(201);
    } finally {
      await keyed.close();
    }
  });
});
